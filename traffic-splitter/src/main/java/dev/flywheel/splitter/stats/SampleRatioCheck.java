package dev.flywheel.splitter.stats;

import java.util.List;

/**
 * Sample-ratio-mismatch check of observed units per (stage, variant) against the intended split. {@code chiSquare} is
 * the Pearson statistic summed over stages (df = Σ (arms with a non-zero intended share − 1)), for display;
 * {@code pValue} is anytime-valid: 1 / the mean over stages of a sequential Bayes factor (see
 * {@code stats.internal.SampleRatioTest}), so checking it at every tick keeps the false-alarm rate under the threshold.
 * {@code mismatch} is p &lt; threshold.
 */
public record SampleRatioCheck(double chiSquare, int degreesOfFreedom, double pValue, double threshold, boolean mismatch,
                               List<Cell> cells) {
    public SampleRatioCheck {
        cells = List.copyOf(cells);
    }

    /** Observed and expected units of one variant in one stage. */
    public record Cell(int stage, String variantId, long observed, double expected) {}
}
