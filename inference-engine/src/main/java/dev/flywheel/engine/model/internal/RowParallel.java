package dev.flywheel.engine.model.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits independent rows (output rows of a matmul, query rows of attention) across a small fixed
 * set of threads: the calling thread and threads-1 workers claim parts until none is left. Each part
 * computes its rows with exactly the arithmetic the whole range would use, so results are bit-identical
 * to the single-threaded path. Workers are daemon threads started on first use and stopped after 30 s
 * idle, so a model that is never closed does not keep threads alive; between splits they spin briefly
 * before parking ({@link SpinThenBlockQueue}). Several callers may share it.
 */
public final class RowParallel implements AutoCloseable {
    /** The work of one part: rows [from, to), part index {@code part} (0 is the caller's). */
    @FunctionalInterface
    public interface Part {
        void run(int from, int to, int part);
    }

    /**
     * How long an idle worker polls for the next split before parking: covers the caller-only stretches
     * between the meetings of one step (the gap between steps, sampling included, is longer and parks).
     */
    static final long SPIN_NANOS = 100_000;

    /**
     * Parts per thread a split makes by default: one. Each part is one kernel call that starts on weights the step's
     * sweep has evicted, so fewer, longer parts stream better: on the 2-core dev VM a batch-32 forward of the 15M model
     * with one part per thread had the lower median step time in 10 of 13 interleaved 7 s pairs against four parts per
     * thread, and the lower best in 11 (best 4.25 against 4.71 ms; 2026-12-05), and a C harness of the step's matmuls
     * spent ~10 % less on the layer projections with 2 parts than with 8. More parts bound the wait when a worker is
     * preempted mid-part on a shared machine (the others claim the rest); see flywheel.engine.matmul-parts-per-thread.
     */
    public static final int DEFAULT_PARTS_PER_THREAD = 1;

    private final int threads;
    private final int partsPerThread;
    private final ThreadPoolExecutor workers;

    /** @param threads parts per split, >= 1 (1 runs everything on the caller) */
    public RowParallel(int threads) {
        this(threads, DEFAULT_PARTS_PER_THREAD);
    }

    /**
     * @param threads        threads sharing each split, >= 1 (1 runs everything on the caller)
     * @param partsPerThread parts a split makes per thread, >= 1 (with several threads)
     */
    public RowParallel(int threads, int partsPerThread) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (partsPerThread < 1) {
            throw new IllegalArgumentException("partsPerThread must be >= 1, got " + partsPerThread);
        }
        this.threads = threads;
        this.partsPerThread = partsPerThread;
        if (threads == 1) {
            this.workers = null;
        } else {
            AtomicInteger count = new AtomicInteger();
            this.workers = new ThreadPoolExecutor(threads - 1, threads - 1, 30, TimeUnit.SECONDS, new SpinThenBlockQueue(SPIN_NANOS), r -> {
                Thread t = new Thread(r, "engine-rows-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.workers.allowCoreThreadTimeOut(true);
        }
    }

    public int threads() {
        return threads;
    }

    public int partsPerThread() {
        return partsPerThread;
    }

    /** Most parts a split makes: {@code partsPerThread} per thread with several threads. */
    public int maxParts() {
        return threads == 1 ? 1 : partsPerThread * threads;
    }

    /** Number of parts [0, n) splits into with boundaries on multiples of {@code align}: at most maxParts(), none empty. */
    public int parts(int n, int align) {
        int blocks = (n + align - 1) / align;
        return Math.max(1, Math.min(maxParts(), blocks));
    }

    /**
     * First row of part {@code p} of {@code parts} over [0, n): the align-sized blocks are shared out as
     * evenly as possible (part p starts at block floor(p · blocks / parts)), so with parts <= blocks no
     * part is empty; {@code start(parts, ...) == n}.
     */
    public static int start(int p, int parts, int n, int align) {
        long blocks = (n + (long) align - 1) / align;
        return (int) Math.min(n, align * (p * blocks / parts));
    }

    /**
     * Runs {@code part} over [0, n) split into {@link #parts} pieces, waits for all of them and rethrows
     * the first failure (after every part has finished, since parts write into shared arrays). Parts are
     * claimed from a counter by the caller and the workers alike, so when the machine is busy and a
     * worker is slow to wake the caller simply runs its parts too: never much slower than one thread.
     */
    public void split(int n, int align, Part part) {
        int parts = parts(n, align);
        if (parts == 1) {
            part.run(0, n, 0);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(parts);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable claim = () -> {
            for (int p = next.getAndIncrement(); p < parts; p = next.getAndIncrement()) {
                try {
                    part.run(start(p, parts, n, align), start(p + 1, parts, n, align), p);
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.countDown();
                }
            }
        };
        for (int w = 1; w < Math.min(parts, threads); w++) {
            workers.execute(claim);
        }
        claim.run();
        // The rest is a worker's last part: spin for it a while rather than park, since parking and
        // being woken again takes about as long as a part here.
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (finished.getCount() > 0 && System.nanoTime() - spinUntil < 0) {
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        while (true) {
            try {
                finished.await(); // parts write into the caller's arrays: wait for them even when interrupted
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable first = failure.get();
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }
}
