package dev.flywheel.splitter.stats;

/**
 * A lift estimate with its fixed-horizon confidence interval ({@code ci}, valid for one look) and its always-valid
 * confidence sequence ({@code sequential}, valid at every tick), both at level 1 − alpha.
 */
public record Estimate(double value, double standardError, Interval ci, Interval sequential) {
    public static final Estimate UNKNOWN = new Estimate(Double.NaN, Double.NaN, Interval.UNKNOWN, Interval.UNKNOWN);

    public boolean known() {
        return !Double.isNaN(value) && ci.known();
    }
}
