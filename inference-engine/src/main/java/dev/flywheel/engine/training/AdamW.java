package dev.flywheel.engine.training;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= lr * (m_hat / (sqrt(v_hat) + eps) + weightDecay * p). Weight decay is skipped for 1-D
 * parameters (norm gains), as is usual.
 */
public final class AdamW {
    /** Hyper-parameters; validated so a typo fails at construction. */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }

        public static Settings defaults() { return new Settings(0.9, 0.999, 1e-8, 0.01); }
    }

    private final Settings settings;
    private final List<Parameter> params;
    private final Map<Parameter, float[][]> moments = new IdentityHashMap<>();
    private int step;

    public AdamW(List<Parameter> params, Settings settings) {
        this.params = List.copyOf(params);
        this.settings = settings;
        for (Parameter p : this.params) {
            moments.put(p, new float[][] {new float[p.size()], new float[p.size()]});
        }
    }

    /** One update with learning rate {@code lr} from the accumulated gradients (which are left as is). */
    public void step(double lr) {
        step++;
        double c1 = 1 - Math.pow(settings.beta1(), step);
        double c2 = 1 - Math.pow(settings.beta2(), step);
        for (Parameter p : params) {
            float[][] mv = moments.get(p);
            float[] m = mv[0], v = mv[1], value = p.value(), grad = p.grad();
            double decay = p.shape().length == 1 ? 0 : settings.weightDecay();
            for (int i = 0; i < value.length; i++) {
                double g = grad[i];
                m[i] = (float) (settings.beta1() * m[i] + (1 - settings.beta1()) * g);
                v[i] = (float) (settings.beta2() * v[i] + (1 - settings.beta2()) * g * g);
                double update = (m[i] / c1) / (Math.sqrt(v[i] / c2) + settings.eps()) + decay * value[i];
                value[i] -= (float) (lr * update);
            }
        }
    }

    public int steps() { return step; }
}
