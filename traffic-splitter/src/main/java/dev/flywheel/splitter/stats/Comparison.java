package dev.flywheel.splitter.stats;

/**
 * One treatment against control on one metric, stratified by ramp stage (arms compared within each stage, stages
 * combined with weights n_T·n_C/(n_T+n_C)) so a trend over time cannot pass for an effect while the split changes.
 *
 * @param absolute      treatment − control (metric units; for latency: share of requests over control's quantile)
 * @param relative      treatment / control − 1 (delta method)
 * @param pValue        two-sided fixed-horizon p-value of absolute (Welch t, Satterthwaite df)
 * @param units         analysis units in the stages used (both arms)
 * @param stagesUsed    number of stages where both arms had at least 2 units
 */
public record Comparison(String metric, String treatmentVariantId, double controlValue, double treatmentValue,
                         Estimate absolute, Estimate relative, double pValue, long units, int stagesUsed) {

    /** Fixed-horizon significance at alpha (valid for a single, planned look only). */
    public boolean fixedSignificant(double alpha) {
        return pValue < alpha;
    }

    /** Always-valid evidence that treatment is above control. */
    public boolean sequentiallyHigher() {
        return absolute.sequential().above(0);
    }

    /** Always-valid evidence that treatment is below control. */
    public boolean sequentiallyLower() {
        return absolute.sequential().below(0);
    }
}
