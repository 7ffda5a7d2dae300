package dev.flywheel.eval.evaluators;

import java.util.List;

/**
 * Which live requests an evaluator scores: a fraction {@code rate} in [0, 1] of the requests whose experiment is in
 * {@code experiments} and variant in {@code variants} (an empty list matches everything). The choice per request is
 * a hash of (request id, evaluator id), so a replay makes the same choice. Offline runs and rewards ignore it.
 */
public record Sampling(double rate, List<String> experiments, List<String> variants) {
    public static final Sampling NONE = new Sampling(0.0, List.of(), List.of());

    public Sampling {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new DefinitionException("sampling.rate", "must be between 0 and 1, got " + rate);
        }
        experiments = experiments == null ? List.of() : List.copyOf(experiments);
        variants = variants == null ? List.of() : List.copyOf(variants);
    }

    /** Whether a request of this experiment/variant is eligible (before the rate is applied). */
    public boolean matches(String experimentId, String variantId) {
        return (experiments.isEmpty() || experiments.contains(experimentId))
                && (variants.isEmpty() || variants.contains(variantId));
    }
}
