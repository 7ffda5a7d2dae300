package dev.flywheel.ingest.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code threads} sink consumers, each on its own thread, after a bootstrap step (migrations, topics) that is
 * retried until it succeeds so that the service starts even while ClickHouse or Kafka is still coming up. A consumer
 * that dies of an unexpected error is logged and replaced by a fresh one (its uncommitted rows are re-read).
 */
public final class SinkRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);

    private final Runnable bootstrap;
    private final Supplier<SinkLoop> loops;
    private final int threads;
    private final Backoff backoff;
    private final List<Thread> workers = new ArrayList<>();
    private final List<SinkLoop> current = new ArrayList<>();
    private volatile boolean stopped;

    public SinkRunner(Runnable bootstrap, Supplier<SinkLoop> loops, int threads, Backoff backoff) {
        this.bootstrap = bootstrap;
        this.loops = loops;
        this.threads = threads;
        this.backoff = backoff;
    }

    public synchronized void start() {
        for (int i = 0; i < threads; i++) {
            Thread t = Thread.ofPlatform().name("flywheel-ingest-sink-" + i).start(this::work);
            workers.add(t);
        }
    }

    /** Status of the running consumers. */
    public synchronized List<SinkStatus> statuses() {
        return current.stream().map(SinkLoop::status).toList();
    }

    private void work() {
        int failures = 0;
        while (!stopped) {
            try {
                bootstrap.run();
                break;
            } catch (RuntimeException e) {
                failures++;
                LOG.warn("sink bootstrap failed (attempt {}), retrying: {}", failures, e.getMessage());
                if (!pause(backoff.delayMillis(failures))) {
                    return;
                }
            }
        }
        failures = 0;
        while (!stopped) {
            SinkLoop loop = loops.get();
            synchronized (this) {
                if (stopped) {
                    return;
                }
                current.add(loop);
            }
            try {
                loop.run();
            } catch (RuntimeException e) {
                if (stopped) {
                    // close() interrupts the consumers; whatever they had not committed is re-read by the next owner
                    LOG.debug("sink consumer ended by shutdown: {}", e.toString());
                    return;
                }
                failures++;
                LOG.error("sink consumer died; starting a new one (uncommitted rows are re-read)", e);
                if (!pause(backoff.delayMillis(failures))) {
                    return;
                }
            } finally {
                synchronized (this) {
                    current.remove(loop);
                }
            }
        }
    }

    /** Backs off before a retry; close() ends the wait at once. */
    private boolean pause(long millis) {
        try {
            synchronized (this) {
                long deadline = System.nanoTime() + millis * 1_000_000L;
                long left;
                while (!stopped && (left = deadline - System.nanoTime()) > 0) {
                    wait(Math.max(1, left / 1_000_000L));
                }
            }
            return !stopped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops every consumer (each flushes and commits once) and waits for them. */
    @Override
    public void close() {
        List<Thread> toJoin;
        synchronized (this) {
            stopped = true;
            current.forEach(SinkLoop::stop);
            notifyAll(); // ends a retry backoff
            toJoin = List.copyOf(workers);
        }
        // stop() wakes each consumer up, so it flushes, commits and closes its clients by itself; interrupting it
        // first would make the Kafka clients abandon their own shutdown (and log it as an error). Interrupt only a
        // worker that is still alive after the grace period, e.g. one sleeping in a retry backoff.
        try {
            for (Thread t : toJoin) {
                if (!t.join(Duration.ofSeconds(20))) {
                    t.interrupt();
                    t.join(Duration.ofSeconds(10));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
