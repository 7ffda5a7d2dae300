package dev.flywheel.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Builds weight matrices and activations for the kernel tests from a seeded random source. */
final class TestMatrices {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TestMatrices() {
    }

    /**
     * W [rows, cols] of dtype holding values (row-major), encoded little-endian. Off-heap (like a
     * mapped safetensors file) when arena is non-null, else in a heap byte[].
     */
    static Matrix encode(float[] values, int rows, int cols, DType dtype, Arena arena) {
        long bytes = (long) rows * cols * dtype.bytes();
        MemorySegment seg = arena != null ? arena.allocate(bytes, 64) : MemorySegment.ofArray(new byte[(int) bytes]);
        for (int i = 0; i < rows * cols; i++) {
            switch (dtype) {
                case F32 -> seg.set(F32_LE, i * 4L, values[i]);
                case BF16 -> seg.set(I16_LE, i * 2L, toBf16(values[i]));
                case F16 -> seg.set(I16_LE, i * 2L, Float.floatToFloat16(values[i]));
            }
        }
        return new Matrix(seg, dtype, rows, cols);
    }

    /** Round-to-nearest-even float to bfloat16 bits (finite inputs). */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    static float[] uniform(SplittableRandom random, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextDouble(lo, hi);
        }
        return a;
    }

    static Matrix random(SplittableRandom random, int rows, int cols, DType dtype, Arena arena) {
        return encode(uniform(random, rows * cols, -1, 1), rows, cols, dtype, arena);
    }

    /** |W| decoded to F32 on the heap: with |x| it gives the error scale sum_c |x_c * w_c| of a dot product. */
    static Matrix abs(Matrix w) {
        float[] a = new float[w.rows() * w.cols()];
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(w.element(i));
        }
        return Matrix.of(a, w.rows(), w.cols());
    }

    static float[] abs(float[] x) {
        float[] a = new float[x.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(x[i]);
        }
        return a;
    }
}
