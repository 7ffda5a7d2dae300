package dev.flywheel.engine.training.internal;

/** RMSNorm over rows of width n, y = x * r * g with r = 1 / sqrt(mean(x^2) + eps), and its backward. */
public final class RmsNorm {
    private RmsNorm() {}

    /** Writes y [rows, n] and the per-row r into inv [rows]. */
    public static void forward(float[] y, float[] inv, float[] x, float[] g, int rows, int n, float eps) {
        for (int t = 0; t < rows; t++) {
            int o = t * n;
            float ss = 0f;
            for (int i = 0; i < n; i++) {
                ss += x[o + i] * x[o + i];
            }
            float r = (float) (1.0 / Math.sqrt(ss / n + eps));
            inv[t] = r;
            for (int i = 0; i < n; i++) {
                y[o + i] = x[o + i] * r * g[i];
            }
        }
    }

    /**
     * dx += g*dy*r - x * r^3 / n * sum_i(g_i dy_i x_i); dg += dy * x * r (dg may be null when frozen).
     */
    public static void backward(float[] dx, float[] dg, float[] dy, float[] x, float[] inv, float[] g, int rows, int n) {
        for (int t = 0; t < rows; t++) {
            int o = t * n;
            float r = inv[t];
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += g[i] * dy[o + i] * x[o + i];
            }
            float c = (float) (dot * r * r * r / n);
            for (int i = 0; i < n; i++) {
                dx[o + i] += g[i] * dy[o + i] * r - x[o + i] * c;
                if (dg != null) {
                    dg[i] += dy[o + i] * x[o + i] * r;
                }
            }
        }
    }
}
