package dev.flywheel.splitter.stats;

import java.util.List;

/**
 * Sample-ratio-mismatch check: Pearson chi-square of observed units per (stage, variant) against the intended split,
 * summed over stages (df = Σ (arms with a non-zero intended share − 1)). {@code mismatch} is p &lt; threshold.
 */
public record SampleRatioCheck(double chiSquare, int degreesOfFreedom, double pValue, double threshold, boolean mismatch,
                               List<Cell> cells) {
    public SampleRatioCheck {
        cells = List.copyOf(cells);
    }

    /** Observed and expected units of one variant in one stage. */
    public record Cell(int stage, String variantId, long observed, double expected) {}
}
