package dev.flywheel.splitter.stats;

import java.util.List;
import java.util.Optional;

/** All results for one experiment at one moment: arms, comparisons of each treatment with control, and the SRM check. */
public record ExperimentResults(String experimentId, long computedAtMs, double alpha, List<ArmResult> arms,
                                List<Comparison> comparisons, SampleRatioCheck sampleRatio) {
    public ExperimentResults {
        arms = List.copyOf(arms);
        comparisons = List.copyOf(comparisons);
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
