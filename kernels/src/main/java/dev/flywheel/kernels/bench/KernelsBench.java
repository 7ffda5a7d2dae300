package dev.flywheel.kernels.bench;

import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.KernelsUnavailableException;
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

/**
 * Matmul throughput of every implementation that runs here, on the shapes of the ~15M-parameter
 * engine benchmark model (dim 288, hidden 768): W [768, 288] (up/gate) and W [288, 768] (down), F32
 * and BF16 weights in off-heap memory (as a mapped safetensors file would be), batch 1 and 32.
 * The peer is the scalar reference, measured in the same run. Prints {@code BENCH kernels {json}}
 * last. Takes well under a minute.
 *
 * <p>Usage: {@code ./run bench kernels [secondsPerCase]} (default 0.25).
 */
public final class KernelsBench {

    private record Shape(int rows, int cols) {
    }

    private record Case(String impl, DType dtype, Shape shape, int batch, double gflops) {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.25;
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
        System.out.println("BENCH kernels " + json(cases, skipped));
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

    /** GFLOP/s (2 * rows * cols * batch per call) over repeated calls after a warm-up of the same length. */
    private static double measure(Kernels k, float[] y, float[] x, int batch, Matrix w, double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() - start < budget) {
            k.matmul(y, x, batch, w);
        }
        long calls = 0;
        start = System.nanoTime();
        long elapsed;
        do {
            k.matmul(y, x, batch, w);
            calls++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        return 2.0 * w.rows() * w.cols() * batch * calls / elapsed;
    }

    private static String json(List<Case> cases, List<String> skipped) {
        Map<String, Double> scalar = new LinkedHashMap<>();
        for (Case c : cases) {
            if (c.impl().equals("scalar")) {
                scalar.put(key(c), c.gflops());
            }
        }
        StringBuilder sb = new StringBuilder("{\"unit\":\"GFLOP/s\",\"threads\":1,\"cases\":[");
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
