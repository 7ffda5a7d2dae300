package dev.flywheel.splitter.stats;

import java.util.List;
import java.util.Optional;

/**
 * All results for one experiment at one moment: arms, comparisons of each treatment with control, the SRM check,
 * and exposures per (stage, variant) (the ramp controller checks a stage's minimum samples on them).
 */
public record ExperimentResults(String experimentId, long computedAtMs, double alpha, List<ArmResult> arms,
                                List<Comparison> comparisons, SampleRatioCheck sampleRatio, List<StageExposure> exposures) {
    public ExperimentResults {
        arms = List.copyOf(arms);
        comparisons = List.copyOf(comparisons);
        exposures = List.copyOf(exposures);
    }

    /** Units and requests of one variant in one ramp stage. */
    public record StageExposure(int stage, String variantId, long units, long requests) {}

    /** Units of a variant in a stage (0 when none were seen). */
    public long units(int stage, String variantId) {
        return exposures.stream().filter(e -> e.stage() == stage && e.variantId().equals(variantId))
                .mapToLong(StageExposure::units).sum();
    }

    public Optional<Comparison> comparison(String metric, String treatmentVariantId) {
        return comparisons.stream()
                .filter(c -> c.metric().equals(metric) && c.treatmentVariantId().equals(treatmentVariantId))
                .findFirst();
    }

    public Optional<ArmResult> arm(String variantId) {
        return arms.stream().filter(a -> a.variantId().equals(variantId)).findFirst();
    }
}
