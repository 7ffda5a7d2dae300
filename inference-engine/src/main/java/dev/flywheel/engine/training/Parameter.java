package dev.flywheel.engine.training;

import java.util.Arrays;
import java.util.Objects;

/**
 * A trainable tensor: float32 values and the gradient accumulated into them, same row-major shape.
 * The arrays are shared with the model views built from them, so an optimizer step is visible to the
 * next forward pass without copying.
 */
public record Parameter(String name, int[] shape, float[] value, float[] grad) {
    public Parameter {
        Objects.requireNonNull(name, "name");
        shape = shape.clone();
        int n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("parameter " + name + ": shape " + Arrays.toString(shape) + " must be positive");
            }
            n = Math.multiplyExact(n, d);
        }
        if (value.length != n || grad.length != n) {
            throw new IllegalArgumentException("parameter " + name + ": value and grad must have " + n + " elements");
        }
    }

    /** A zero-initialised parameter of the given shape. */
    public static Parameter zeros(String name, int... shape) {
        int n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return new Parameter(name, shape, new float[n], new float[n]);
    }

    @Override
    public int[] shape() { return shape.clone(); }

    public int size() { return value.length; }

    public void zeroGrad() { Arrays.fill(grad, 0f); }
}
