package dev.flywheel.kernels.bench;

import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.KernelsUnavailableException;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matmul throughput of every implementation that runs here, on the shapes of the ~15M-parameter
 * engine benchmark model (dim 288, hidden 768): W [768, 288] (up/gate) and W [288, 768] (down), F32
 * and BF16 weights in off-heap memory (as a mapped safetensors file would be), batch 1 and 32.
 * Also batch 1 over the 32000 x 288 vocabulary projection (37 MB F32, bigger than L2) as weight GB/s
 * against a plain single-thread read of the same bytes measured in the same run (the decode
 * roofline; on this VM the 480 MB L3 holds them, so it is L3 bandwidth, not DRAM).
 * Also loraSgmv with 32 distinct rank-8 adapters against the base matmul of the same 32 rows.
 * The peer is the scalar reference, measured in the same run. Single-threaded throughout; rates are
 * per second of the benchmark thread's CPU time (the VM is shared). Prints
 * {@code BENCH kernels {json}} last. Takes well under a minute.
 *
 * <p>Usage: {@code ./run bench kernels [secondsPerCase]} (default 0.2).
 */
public final class KernelsBench {

    private record Shape(int rows, int cols) {
    }

    private record Case(String impl, DType dtype, Shape shape, int batch, double gflops) {
    }

    private static final int ROUNDS = 5;
    /**
     * Rates are per second of this thread's CPU time, not wall time: the dev VM is shared by several
     * builds, and wall time would measure their load rather than the kernels.
     */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /** The output (vocabulary) projection of the benchmark model: 32000 x 288, too big for any cache. */
    private static final Shape VOCAB = new Shape(32000, 288);

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.2;
        List<Kernels> impls = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String name : List.of("scalar", "vector", "native")) {
            try {
                impls.add(Kernels.named(name));
            } catch (KernelsUnavailableException e) {
                skipped.add(name + ": " + e.getMessage());
                System.out.println("skipping " + name + ": " + e.getMessage());
            }
        }
        List<Shape> shapes = List.of(new Shape(768, 288), new Shape(288, 768));
        int[] batches = {1, 32};
        List<Case> cases = new ArrayList<>();
        warmUp(impls);
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                for (Shape shape : shapes) {
                    Matrix w = randomMatrix(arena, dtype, shape, random);
                    for (int batch : batches) {
                        float[] x = new float[batch * shape.cols()];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = (float) random.nextDouble(-1, 1);
                        }
                        float[] y = new float[batch * shape.rows()];
                        for (Kernels k : impls) {
                            double g = measure(k, y, x, batch, w, seconds);
                            cases.add(new Case(k.name(), dtype, shape, batch, g));
                            System.out.printf(Locale.ROOT, "%-7s %-4s W[%d,%d] batch %2d: %8.2f GFLOP/s%n",
                                    k.name(), dtype, shape.rows(), shape.cols(), batch, g);
                        }
                    }
                }
            }
        }
        // Bandwidth-bound: batch 1 over the vocabulary projection, weight bytes streamed per second vs
        // a plain read of as many bytes (the decode roofline).
        StringBuilder streaming = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                Matrix w = randomMatrix(arena, dtype, VOCAB, random);
                double stream = streamReadGbps(w.data());
                System.out.printf(Locale.ROOT, "single-thread read bandwidth over %d MB: %.2f GB/s%n",
                        w.rows() * w.rowBytes() >> 20, stream);
                float[] x = new float[VOCAB.cols()];
                float[] y = new float[VOCAB.rows()];
                for (Kernels k : impls) {
                    double g = measure(k, y, x, 1, w, seconds);
                    double gbps = g / 2 * dtype.bytes();
                    System.out.printf(Locale.ROOT, "%-7s %-4s W[%d,%d] batch  1: %8.2f GFLOP/s, %6.2f GB/s of weights (%.0f%% of read bandwidth)%n",
                            k.name(), dtype, VOCAB.rows(), VOCAB.cols(), g, gbps, 100 * gbps / stream);
                    streaming.append(streaming.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
                            "{\"impl\":\"%s\",\"dtype\":\"%s\",\"rows\":%d,\"cols\":%d,\"gflops\":%.3f,\"weight_gbps\":%.3f,\"read_gbps\":%.3f,\"roofline_fraction\":%.3f}",
                            k.name(), dtype, VOCAB.rows(), VOCAB.cols(), g, gbps, stream, gbps / stream));
                }
            }
        }
        // LoRA: 32 rows, each its own rank-8 adapter (the engine's "32 distinct adapters" step) on
        // the up projection 288 -> 768, against the base matmul of the same 32 rows.
        StringBuilder lora = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            Shape up = new Shape(768, 288);
            Matrix base = randomMatrix(arena, DType.BF16, up, random);
            int n = 32;
            int rank = 8;
            LoraWeights[] adapters = new LoraWeights[n];
            int[] segStart = new int[n + 1];
            float[] scale = new float[n];
            for (int i = 0; i < n; i++) {
                adapters[i] = new LoraWeights(randomMatrix(arena, DType.F32, new Shape(rank, up.cols()), random),
                        randomMatrix(arena, DType.F32, new Shape(up.rows(), rank), random));
                segStart[i + 1] = i + 1;
                scale[i] = 2f;
            }
            float[] x = new float[n * up.cols()];
            float[] y = new float[n * up.rows()];
            for (Kernels k : impls) {
                double baseUs = microseconds(() -> k.matmul(y, x, n, base), seconds);
                double loraUs = microseconds(() -> k.loraSgmv(y, x, segStart, adapters, scale, up.cols(), up.rows()), seconds);
                System.out.printf(Locale.ROOT, "%-7s loraSgmv 32 distinct rank-8 adapters [288->768]: %8.1f us vs base BF16 matmul batch 32: %8.1f us (%.1f%%)%n",
                        k.name(), loraUs, baseUs, 100 * loraUs / baseUs);
                lora.append(lora.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"impl\":\"%s\",\"lora_us\":%.2f,\"base_us\":%.2f,\"lora_over_base\":%.4f}",
                        k.name(), loraUs, baseUs, loraUs / baseUs));
            }
        }
        String json = json(cases, skipped);
        System.out.println("BENCH kernels " + json.substring(0, json.length() - 1)
                + String.format(Locale.ROOT, ",\"streaming\":[%s],\"lora\":[%s]}", streaming, lora));
    }

    /**
     * Runs every implementation on every dtype and batch tile shape until HotSpot has compiled it: the
     * Vector API is 100x slower before C2 compiles it, and on a busy machine the compile queue lags.
     */
    private static void warmUp(List<Kernels> impls) {
        SplittableRandom random = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                Matrix w = randomMatrix(arena, dtype, new Shape(64, 96), random);
                float[] x = new float[8 * 96];
                float[] y = new float[8 * 64];
                for (Kernels k : impls) {
                    for (int i = 0; i < 3000; i++) {
                        k.matmul(y, x, 1 + i % 8, w);
                    }
                }
            }
            // the LoRA paths: shrink (rank rows) and expand (rank columns, the narrow path)
            LoraWeights lw = new LoraWeights(randomMatrix(arena, DType.F32, new Shape(8, 96), random),
                    randomMatrix(arena, DType.F32, new Shape(64, 8), random));
            LoraWeights[] adapters = {lw, null, lw};
            int[] segStart = {0, 1, 3, 8};
            float[] scale = {1f, 1f, 1f};
            float[] x = new float[8 * 96];
            float[] y = new float[8 * 64];
            for (Kernels k : impls) {
                for (int i = 0; i < 3000; i++) {
                    k.loraSgmv(y, x, segStart, adapters, scale, 96, 64);
                }
            }
        }
    }

    private static Matrix randomMatrix(Arena arena, DType dtype, Shape shape, SplittableRandom random) {
        long n = (long) shape.rows() * shape.cols();
        MemorySegment seg = arena.allocate(n * dtype.bytes(), 64);
        for (long i = 0; i < n; i++) {
            float v = (float) random.nextDouble(-0.1, 0.1);
            switch (dtype) {
                case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), i, v);
                case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                        (short) (Float.floatToRawIntBits(v) >>> 16));
                case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                        Float.floatToFloat16(v));
            }
        }
        return new Matrix(seg, dtype, shape.rows(), shape.cols());
    }

    /**
     * GFLOP/s (2 * rows * cols * batch per call): a warm-up of {@code seconds}, then {@value #ROUNDS}
     * rounds of {@code seconds / 2}; returns the median round (robust to a busy shared machine and to
     * a round that still ran interpreted code).
     */
    private static double measure(Kernels k, float[] y, float[] x, int batch, Matrix w, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() - start < budget) {
            k.matmul(y, x, batch, w);
        }
        double[] rounds = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long calls = 0;
            start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            do {
                k.matmul(y, x, batch, w);
                calls++;
            } while (System.nanoTime() - start < budget / 2);
            rounds[i] = 2.0 * w.rows() * w.cols() * batch * calls / (CPU.getCurrentThreadCpuTime() - cpuStart);
        }
        java.util.Arrays.sort(rounds);
        return rounds[ROUNDS / 2];
    }

    /** Median microseconds per call of op over {@value #ROUNDS} rounds, after a warm-up of the same length. */
    private static double microseconds(Runnable op, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() - start < budget) {
            op.run();
        }
        double[] rounds = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long calls = 0;
            start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            do {
                op.run();
                calls++;
            } while (System.nanoTime() - start < budget / 2);
            rounds[i] = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e3 / calls;
        }
        java.util.Arrays.sort(rounds);
        return rounds[ROUNDS / 2];
    }

    /**
     * Single-thread read bandwidth in GB/s over the weights' own bytes (same memory, same cache
     * level as the matmul reads: on this VM the 480 MB L3 holds them, so it is not DRAM bandwidth):
     * summing them as floats with the Vector API, compiled first on a small slice, then
     * {@value #ROUNDS} passes to settle the caches and the median of {@value #ROUNDS} more. The
     * roofline for a batch-1 matmul over those weights.
     */
    private static double streamReadGbps(MemorySegment seg) {
        float sink = 0;
        for (int i = 0; i < 2000; i++) {
            sink += sum(seg.asSlice(0, 64 << 10));
        }
        for (int i = 0; i < ROUNDS; i++) {
            sink += sum(seg);
        }
        double[] rounds = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long cpuStart = CPU.getCurrentThreadCpuTime();
            sink += sum(seg);
            rounds[i] = seg.byteSize() / (double) (CPU.getCurrentThreadCpuTime() - cpuStart);
        }
        if (sink == 42f) {
            System.out.println("(unlikely sum)");
        }
        java.util.Arrays.sort(rounds);
        return rounds[ROUNDS / 2];
    }

    /** Sum of the floats in seg, in 16 MiB slices so that the inner loop is an int-indexed counted loop. */
    private static float sum(MemorySegment seg) {
        float total = 0;
        long chunk = 16L << 20;
        for (long off = 0; off < seg.byteSize(); off += chunk) {
            total += sumSlice(seg.asSlice(off, Math.min(chunk, seg.byteSize() - off)));
        }
        return total;
    }

    private static float sumSlice(MemorySegment seg) {
        VectorSpecies<Float> f = FloatVector.SPECIES_PREFERRED;
        FloatVector a = FloatVector.zero(f);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        int step = f.vectorByteSize();
        int end = (int) seg.byteSize() - 4 * step;
        for (int off = 0; off <= end; off += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(f, seg, off, ByteOrder.nativeOrder()));
            b = b.add(FloatVector.fromMemorySegment(f, seg, off + step, ByteOrder.nativeOrder()));
            c = c.add(FloatVector.fromMemorySegment(f, seg, off + 2 * step, ByteOrder.nativeOrder()));
            d = d.add(FloatVector.fromMemorySegment(f, seg, off + 3 * step, ByteOrder.nativeOrder()));
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }

    private static String json(List<Case> cases, List<String> skipped) {
        Map<String, Double> scalar = new LinkedHashMap<>();
        for (Case c : cases) {
            if (c.impl().equals("scalar")) {
                scalar.put(key(c), c.gflops());
            }
        }
        StringBuilder sb = new StringBuilder("{\"unit\":\"GFLOP/s\",\"clock\":\"thread_cpu\",\"threads\":1,\"cases\":[");
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Double peer = scalar.get(key(c));
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"impl\":\"%s\",\"dtype\":\"%s\",\"rows\":%d,\"cols\":%d,\"batch\":%d,\"gflops\":%.3f,\"vs_scalar\":%s}",
                    c.impl(), c.dtype(), c.shape().rows(), c.shape().cols(), c.batch(), c.gflops(),
                    peer == null ? "null" : String.format(Locale.ROOT, "%.2f", c.gflops() / peer)));
        }
        sb.append("],\"skipped\":[");
        for (int i = 0; i < skipped.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(skipped.get(i).replace("\\", "\\\\").replace("\"", "'")).append('"');
        }
        return sb.append("]}").toString();
    }

    private static String key(Case c) {
        return c.dtype() + "/" + c.shape().rows() + "x" + c.shape().cols() + "/" + c.batch();
    }
}
