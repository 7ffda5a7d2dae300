package dev.flywheel.engine.safetensors;

import dev.flywheel.kernels.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Reads and writes little-endian F32 / BF16 / F16 elements, widening to float32. */
public final class FloatCodec {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatCodec() {}

    /** Element {@code index} (not byte offset) of a segment of {@code dtype} values. */
    public static float read(MemorySegment data, DType dtype, long index) {
        return switch (dtype) {
            case F32 -> data.get(F32, index * 4);
            case BF16 -> Float.intBitsToFloat((data.get(I16, index * 2) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.get(I16, index * 2));
        };
    }

    public static void write(MemorySegment data, DType dtype, long index, float value) {
        switch (dtype) {
            case F32 -> data.set(F32, index * 4, value);
            case BF16 -> data.set(I16, index * 2, toBf16(value));
            case F16 -> data.set(I16, index * 2, Float.floatToFloat16(value));
        }
    }

    /** A heap float32 copy of a matrix of any supported dtype, row-major. */
    public static float[] toFloatArray(dev.flywheel.kernels.Matrix m) {
        int n = Math.multiplyExact(m.rows(), m.cols());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = read(m.data(), m.dtype(), i);
        }
        return out;
    }

    /** Round-to-nearest-even truncation of float32 to bfloat16 bits (NaN stays NaN). */
    public static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
