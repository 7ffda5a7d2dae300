package dev.flywheel.eval.runs;

/**
 * One evaluator's aggregate over a run. {@code mean}, {@code stddev} and the {@code confidence} interval of the
 * mean (Student t) are over valid scores only; errors and skips are counted, never averaged in as zeros.
 * {@code passRate} (pass@1) and {@code passAtK} (k = repeats: the share of items with at least one passing
 * completion) are null when the evaluator has no pass threshold. NaN statistics are reported as null.
 */
public record EvaluatorSummary(
        String evaluatorId,
        int evaluatorVersion,
        int results,
        int valid,
        int errors,
        int skipped,
        Double mean,
        Double stddev,
        Double ciLow,
        Double ciHigh,
        double confidence,
        Double passRate,
        Double passAtK,
        int k) {
}
