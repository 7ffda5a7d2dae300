package dev.flywheel.engine.training;

import java.util.List;

/** Scales all gradients together so their global L2 norm is at most maxNorm. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Returns the norm before clipping. */
    public static double clipGlobalNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double ss = 0;
        for (Parameter p : params) {
            for (float g : p.grad()) {
                ss += (double) g * g;
            }
        }
        double norm = Math.sqrt(ss);
        if (norm > maxNorm) {
            float f = (float) (maxNorm / (norm + 1e-12));
            for (Parameter p : params) {
                float[] g = p.grad();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= f;
                }
            }
        }
        return norm;
    }
}
