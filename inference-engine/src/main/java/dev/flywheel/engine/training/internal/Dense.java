package dev.flywheel.engine.training.internal;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.Matrix;

/**
 * The linear-layer products of training over T rows. Weights W are [out, in]. When the weight is a
 * trainable heap array its plain loops are used (fast on the JIT, no dtype decoding); a frozen,
 * possibly memory-mapped weight goes through the kernels.
 */
public final class Dense {
    private Dense() {}

    /** y[t, o] = sum_i x[t, i] W[o, i]. Overwrites y [T, out]. */
    public static void forward(Kernels k, float[] y, float[] x, int rows, Matrix w, float[] heapW) {
        if (heapW == null) {
            k.matmul(y, x, rows, w);
            return;
        }
        int out = w.rows();
        int in = w.cols();
        for (int t = 0; t < rows; t++) {
            int xo = t * in;
            for (int o = 0; o < out; o++) {
                int wo = o * in;
                float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
                int i = 0;
                for (; i + 3 < in; i += 4) {
                    a0 += x[xo + i] * heapW[wo + i];
                    a1 += x[xo + i + 1] * heapW[wo + i + 1];
                    a2 += x[xo + i + 2] * heapW[wo + i + 2];
                    a3 += x[xo + i + 3] * heapW[wo + i + 3];
                }
                for (; i < in; i++) {
                    a0 += x[xo + i] * heapW[wo + i];
                }
                y[t * out + o] = (a0 + a1) + (a2 + a3);
            }
        }
    }

    /** dx[t, i] += sum_o dy[t, o] W[o, i]. */
    public static void backwardInput(Kernels k, float[] dx, float[] dy, int rows, Matrix w, float[] heapW) {
        if (heapW == null) {
            k.matmulTransposedAccumulate(dx, dy, rows, w);
            return;
        }
        int out = w.rows();
        int in = w.cols();
        for (int t = 0; t < rows; t++) {
            int xo = t * in;
            for (int o = 0; o < out; o++) {
                float g = dy[t * out + o];
                if (g == 0f) {
                    continue;
                }
                int wo = o * in;
                for (int i = 0; i < in; i++) {
                    dx[xo + i] += g * heapW[wo + i];
                }
            }
        }
    }

    /** dW[o, i] += sum_t dy[t, o] x[t, i]. */
    public static void accumulateWeightGrad(float[] dW, float[] dy, float[] x, int rows, int out, int in) {
        for (int t = 0; t < rows; t++) {
            int xo = t * in;
            for (int o = 0; o < out; o++) {
                float g = dy[t * out + o];
                if (g == 0f) {
                    continue;
                }
                int wo = o * in;
                for (int i = 0; i < in; i++) {
                    dW[wo + i] += g * x[xo + i];
                }
            }
        }
    }
}
