package dev.flywheel.engine.training.internal;

/**
 * Rotary embedding with its exact inverse (the backward of a rotation is the opposite rotation).
 * Pairs (i, i + headDim/2) at angle pos * theta^(-2i/headDim), computed in double and rounded once,
 * as the kernels do. x: [nHeads, headDim] at off.
 */
public final class Rope {
    private Rope() {}

    public static void rotate(float[] x, int off, int nHeads, int headDim, int pos, float theta, boolean inverse) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = pos * Math.pow(theta, -2.0 * i / headDim);
            float cos = (float) Math.cos(angle);
            float sin = inverse ? -(float) Math.sin(angle) : (float) Math.sin(angle);
            for (int h = 0; h < nHeads; h++) {
                int b = off + h * headDim;
                float x0 = x[b + i];
                float x1 = x[b + i + half];
                x[b + i] = x0 * cos - x1 * sin;
                x[b + i + half] = x0 * sin + x1 * cos;
            }
        }
    }
}
