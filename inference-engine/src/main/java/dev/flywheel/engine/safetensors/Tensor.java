package dev.flywheel.engine.safetensors;

import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * One floating-point tensor of a safetensors file: a view of the mapped file (no copy).
 * {@code shape} is row-major, e.g. [out, in] for a linear layer's weight.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        if (data.byteSize() != elementCount(shape) * dtype.bytes()) {
            throw new IllegalArgumentException("tensor " + name + ": data has " + data.byteSize() + " bytes, shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + elementCount(shape) * dtype.bytes());
        }
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long elementCount() { return elementCount(shape); }

    /** This 2-D tensor as a weight matrix [rows, cols] over the mapped bytes. */
    public Matrix matrix() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("tensor " + name + ": expected 2 dimensions, got " + Arrays.toString(shape));
        }
        return new Matrix(data, dtype, Math.toIntExact(shape[0]), Math.toIntExact(shape[1]));
    }

    /** A heap copy widened to float32 (for small tensors: norms, or training). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(elementCount());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = FloatCodec.read(data, dtype, i);
        }
        return out;
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
