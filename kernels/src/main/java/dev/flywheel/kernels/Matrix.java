package dev.flywheel.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A row-major weight matrix [rows, cols] of {@code dtype} elements in a memory segment, typically a
 * memory-mapped region of a safetensors file (never copied onto the heap). Little-endian, as
 * safetensors stores it.
 */
public record Matrix(MemorySegment data, DType dtype, int rows, int cols) {

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Matrix {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(dtype, "dtype");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix shape must be positive, got [" + rows + ", " + cols + "]");
        }
        long need = (long) rows * cols * dtype.bytes();
        if (data.byteSize() < need) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] " + dtype + " needs " + need
                    + " bytes but the segment has " + data.byteSize());
        }
    }

    /** Wraps a heap float array (used for trainable and test weights). */
    public static Matrix of(float[] values, int rows, int cols) {
        return new Matrix(MemorySegment.ofArray(values), DType.F32, rows, cols);
    }

    /** Element [row, col] decoded to float32 (bounds-checked; for slow paths and tests, not hot loops). */
    public float get(int row, int col) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return element((long) row * cols + col);
    }

    /** Decodes row {@code row} (cols floats) into dst[dstOff ...]; e.g. an embedding lookup. */
    public void readRow(int row, float[] dst, int dstOff) {
        Objects.checkIndex(row, rows);
        Objects.checkFromIndexSize(dstOff, cols, dst.length);
        long base = (long) row * cols;
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32_LE, base * 4, dst, dstOff, cols);
            return;
        }
        for (int c = 0; c < cols; c++) {
            dst[dstOff + c] = element(base + c);
        }
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return (long) cols * dtype.bytes();
    }

    /** Element at flat row-major index {@code i}, decoded to float32; no shape check beyond the segment's. */
    public float element(long i) {
        return switch (dtype) {
            case F32 -> data.get(F32_LE, i * 4);
            case BF16 -> Float.intBitsToFloat((data.get(I16_LE, i * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.get(I16_LE, i * 2));
        };
    }
}
