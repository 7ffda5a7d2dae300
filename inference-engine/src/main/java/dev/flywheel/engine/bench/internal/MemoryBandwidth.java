package dev.flywheel.engine.bench.internal;

import java.util.ArrayList;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sustained read bandwidth: threads each sum their own long[] (far larger than the caches) with
 * Vector API loads, best of several passes: the access pattern of a matrix-vector product
 * streaming its weights.
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

    /** SIMD loads into four independent accumulators: bound by memory, not by an add chain. */
    private static long sum(long[] b) {
        VectorSpecies<Long> species = LongVector.SPECIES_PREFERRED;
        int lanes = species.length();
        LongVector s0 = LongVector.zero(species);
        LongVector s1 = LongVector.zero(species);
        LongVector s2 = LongVector.zero(species);
        LongVector s3 = LongVector.zero(species);
        int i = 0;
        for (; i + 4 * lanes <= b.length; i += 4 * lanes) {
            s0 = s0.add(LongVector.fromArray(species, b, i));
            s1 = s1.add(LongVector.fromArray(species, b, i + lanes));
            s2 = s2.add(LongVector.fromArray(species, b, i + 2 * lanes));
            s3 = s3.add(LongVector.fromArray(species, b, i + 3 * lanes));
        }
        long total = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        for (; i < b.length; i++) {
            total += b[i];
        }
        return total;
    }
}
