package dev.flywheel.ingest.sink;

import dev.flywheel.ingest.batching.TableBatch;
import dev.flywheel.ingest.metrics.IngestMetrics;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Runs one sink consumer's inserts on its own thread, strictly in submission order, so that the consumer keeps
 * polling and encoding while ClickHouse writes the previous batch. At most {@code maxInFlight} flushes are queued or
 * running (the consumer checks {@link #full} before sealing another), which bounds memory at
 * {@code (maxInFlight + 1)} batches.
 *
 * <p>A flush is acknowledged only after every table in it was acknowledged. The consumer commits a flush's offsets
 * only when it is at the head of {@link #completed} order, so a commit never covers rows of an earlier flush that
 * failed. {@link #abort} makes every flush not yet started skip its inserts (their rows are re-read after a rewind).
 *
 * <p>Not thread-safe except between the consumer thread (all public methods) and the insert thread it owns.
 */
final class InsertPipeline implements AutoCloseable {
    /** Rows sealed for insert plus the next offset of every partition they (and the DLQ'd records before them) cover. */
    record Flush(List<TableBatch> batches, Map<TopicPartition, Long> offsets, int rows, long bytes) {}

    /**
     * A flush that was submitted; {@code ack} completes with the acknowledgement time (epoch ms) or the failure.
     * {@code refused}: rows ClickHouse could not read, left out of the insert; filled by the insert thread before
     * {@code ack} completes, to be dead-lettered before the flush's offsets are committed.
     */
    record InFlight(Flush flush, long generation, CompletableFuture<Long> ack, List<Refused> refused) {}

    /** A row ClickHouse refused as data: where it came from, its bytes as sent, and ClickHouse's answer. */
    record Refused(String table, TableBatch.Row row, String reason) {}

    /**
     * Most rows one table's batch may lose to ClickHouse refusals before the whole flush is failed instead: each
     * refusal costs one more insert, and a refusal of row after row means the schema, not the data, is wrong.
     */
    static final int MAX_REFUSED_PER_BATCH = 100;

    /** A flush skipped because an earlier one failed; its rows are re-read from the rewound offsets. */
    static final class Skipped extends RuntimeException {
        Skipped() {
            super("skipped after an earlier insert failed", null, false, false);
        }
    }

    private final TableWriter writer;
    private final SinkRoutes routes;
    private final IngestMetrics metrics;
    private final InsertObserver observer;
    private final Clock clock;
    private final int maxInFlight;
    private final ExecutorService thread;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final List<InFlight> aborted = new ArrayList<>();
    private volatile long generation;

    InsertPipeline(TableWriter writer, SinkRoutes routes, IngestMetrics metrics, InsertObserver observer, Clock clock,
                   int maxInFlight, String threadName) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.writer = writer;
        this.routes = routes;
        this.metrics = metrics;
        this.observer = observer;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(threadName).daemon().unstarted(r));
    }

    boolean full() {
        return inFlight.size() >= maxInFlight;
    }

    boolean isEmpty() {
        return inFlight.isEmpty();
    }

    int rows() {
        int n = 0;
        for (InFlight f : inFlight) {
            n += f.flush().rows();
        }
        return n;
    }

    long bytes() {
        long n = 0;
        for (InFlight f : inFlight) {
            n += f.flush().bytes();
        }
        return n;
    }

    void submit(Flush flush) {
        long gen = generation;
        // Filled on the insert thread, read on the consumer thread only after ack completed (which orders the two).
        List<Refused> refused = new ArrayList<>();
        CompletableFuture<Long> ack = CompletableFuture.supplyAsync(() -> insert(flush, gen, refused), thread);
        inFlight.addLast(new InFlight(flush, gen, ack, refused));
    }

    /** The oldest flush if it has finished (acknowledged or failed), removed from the pipeline; else null. */
    InFlight pollCompleted() {
        InFlight head = inFlight.peekFirst();
        if (head == null || !head.ack().isDone()) {
            return null;
        }
        return inFlight.pollFirst();
    }

    /** Waits up to {@code timeout} for the oldest flush to finish. */
    void awaitHead(Duration timeout) {
        InFlight head = inFlight.peekFirst();
        if (head == null) {
            return;
        }
        try {
            head.ack().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // the outcome is read through pollCompleted
        }
    }

    /** Makes every flush that has not started skip its inserts, and forgets them all; returns how many there were. */
    int abort() {
        generation++;
        int n = inFlight.size();
        aborted.addAll(inFlight);
        inFlight.clear();
        return n;
    }

    /** True when every aborted flush has finished (so no stale insert is running and memory is back to the bound). */
    boolean quiet() {
        aborted.removeIf(f -> f.ack().isDone());
        return aborted.isEmpty();
    }

    /** The failure of a finished flush, unwrapped; null when it was acknowledged. */
    static Throwable failureOf(InFlight f) {
        try {
            f.ack().join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private long insert(Flush flush, long gen, List<Refused> refused) {
        for (TableBatch b : flush.batches()) {
            if (gen != generation) {
                throw new Skipped();
            }
            long start = System.nanoTime();
            try {
                insertLeavingOutRefusedRows(b, refused);
            } catch (InsertException e) {
                metrics.insertFailed(b.table(), Duration.ofNanos(System.nanoTime() - start));
                throw new CompletionException(e);
            }
            long ack = clock.millis();
            metrics.inserted(b.table(), b.rows(), b.bytes(), Duration.ofNanos(System.nanoTime() - start));
            long[] times = b.eventTimes();
            metrics.visibleDelay(b.table(), times, ack);
            observer.inserted(b.table(), times, ack);
        }
        return clock.millis();
    }

    /**
     * Inserts the batch; when ClickHouse refuses a row it names as unreadable (a data error), inserts the batch again
     * without it, up to {@link #MAX_REFUSED_PER_BATCH} rows. ClickHouse writes nothing of a refused insert (one block:
     * batches stay far below its 1,048,576-row block size), so the rows inserted are exactly the others, once.
     */
    private void insertLeavingOutRefusedRows(TableBatch b, List<Refused> refused) throws InsertException {
        BitSet left = new BitSet(b.rows());
        List<ByteBuffer> body = b.body();
        while (true) {
            try {
                writer.insert(b.table(), routes.columnsOf(b.table()), b.rows() - left.cardinality(), body);
                return;
            } catch (InsertException e) {
                if (e.badRow() < 0 || left.cardinality() >= MAX_REFUSED_PER_BATCH) {
                    throw e;
                }
                int row = nthKept(left, e.badRow());
                left.set(row);
                refused.add(new Refused(b.table(), b.row(row), e.getMessage()));
                if (left.cardinality() == b.rows()) {
                    return; // nothing left to insert
                }
                body = b.bodyWithout(left);
            }
        }
    }

    /** The batch row that is the {@code n}-th (0-based) of those not left out. */
    private static int nthKept(BitSet left, int n) {
        int row = left.nextClearBit(0);
        for (int i = 0; i < n; i++) {
            row = left.nextClearBit(row + 1);
        }
        return row;
    }

    /** Stops the insert thread after the running insert (if any); queued flushes are dropped (they were not committed). */
    @Override
    public void close() {
        generation++;
        thread.shutdown();
        try {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
