package dev.flywheel.engine.bench.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sustained read bandwidth: threads each sum their own long[] (far larger than the caches), best of
 * several passes. Integer sums vectorise in C2 and are load-bound, the same access pattern as a
 * matrix-vector product streaming its weights.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    /** Bytes per second read by {@code threads} threads, each over its own {@code bytesPerThread} buffer. */
    public static double measure(int threads, long bytesPerThread, int passes) throws InterruptedException, ExecutionException {
        int n = Math.toIntExact(bytesPerThread / Long.BYTES);
        long[][] buffers = new long[threads][n];
        for (long[] b : buffers) {
            for (int i = 0; i < n; i++) {
                b[i] = i;
            }
        }
        double best = 0;
        long sink = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int pass = 0; pass < passes; pass++) {
                List<Future<Long>> sums = new ArrayList<>();
                long start = System.nanoTime();
                for (long[] b : buffers) {
                    sums.add(pool.submit(() -> sum(b)));
                }
                for (Future<Long> f : sums) {
                    sink += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, (double) threads * n * Long.BYTES / seconds);
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return best;
    }

    /** Four independent accumulators so the loop is bound by loads, not by one add chain. */
    private static long sum(long[] b) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        int i = 0;
        for (; i + 3 < b.length; i += 4) {
            s0 += b[i];
            s1 += b[i + 1];
            s2 += b[i + 2];
            s3 += b[i + 3];
        }
        for (; i < b.length; i++) {
            s0 += b[i];
        }
        return s0 + s1 + s2 + s3;
    }
}
