package dev.flywheel.eval.runs;

/**
 * Paired comparison of two runs on the same dataset for one evaluator: each item's mean valid score over its
 * repeats in run A and in run B, over the items valid in both ({@code pairs}); {@code meanDiff} = mean(B - A) with
 * a Student-t {@code confidence} interval and a two-sided p-value for "no difference" (meanA/meanB/meanDiff null when pairs = 0; interval and p null when pairs < 2 or the
 * differences have no variance and are all equal — then the interval is the point itself). wins/ties/losses count
 * items where B beat, tied or lost to A. {@code unpaired}: items valid in only one of the runs.
 */
public record Comparison(
        String evaluatorId,
        String runA,
        String runB,
        int pairs,
        int unpaired,
        Double meanA,
        Double meanB,
        Double meanDiff,
        Double ciLow,
        Double ciHigh,
        Double pValue,
        double confidence,
        int wins,
        int ties,
        int losses) {

    /** The gate's question: is B not worse than A by more than {@code margin}, with the stated confidence? */
    public boolean notWorseBy(double margin) {
        return pairs > 0 && ciLow != null && ciLow >= -margin;
    }

    /** Is B better than A, with the stated confidence (the whole interval above 0)? */
    public boolean better() {
        return pairs > 0 && ciLow != null && ciLow > 0;
    }
}
