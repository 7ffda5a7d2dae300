package dev.flywheel.engine.model.internal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits independent rows (output rows of a matmul, query rows of attention) across a small fixed
 * set of threads: part 0 runs on the calling thread, parts 1..threads-1 on worker threads. Each part
 * computes its rows with exactly the arithmetic the whole range would use, so results are bit-identical
 * to the single-threaded path. Workers are daemon threads started on first use and stopped after 30 s
 * idle, so a model that is never closed does not keep threads alive. Several callers may share it.
 */
public final class RowParallel implements AutoCloseable {
    /** The work of one part: rows [from, to), part index {@code part} (0 is the caller's). */
    @FunctionalInterface
    public interface Part {
        void run(int from, int to, int part);
    }

    private final int threads;
    private final ThreadPoolExecutor workers;

    /** @param threads parts per split, >= 1 (1 runs everything on the caller) */
    public RowParallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            this.workers = null;
        } else {
            AtomicInteger count = new AtomicInteger();
            this.workers = new ThreadPoolExecutor(threads - 1, threads - 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
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

    /** Number of parts [0, n) splits into with boundaries on multiples of {@code align}: at most threads(), none empty. */
    public int parts(int n, int align) {
        int blocks = (n + align - 1) / align;
        return Math.max(1, Math.min(threads, blocks));
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
     * the first failure (after every part has finished, since parts write into shared arrays).
     */
    public void split(int n, int align, Part part) {
        int parts = parts(n, align);
        if (parts == 1) {
            part.run(0, n, 0);
            return;
        }
        Future<?>[] running = new Future<?>[parts];
        for (int p = 1; p < parts; p++) {
            int from = start(p, parts, n, align);
            int to = start(p + 1, parts, n, align);
            int index = p;
            running[p] = workers.submit(() -> part.run(from, to, index));
        }
        Throwable failure = null;
        try {
            part.run(0, start(1, parts, n, align), 0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (int p = 1; p < parts; p++) {
            while (true) {
                try {
                    running[p].get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // parts write into the caller's arrays: wait for them regardless
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("a row part failed", failure);
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }
}
