package dev.flywheel.splitter.stats;

/** A closed interval [lower, upper]; NaN bounds mean "not enough data". */
public record Interval(double lower, double upper) {
    public static final Interval UNKNOWN = new Interval(Double.NaN, Double.NaN);

    public Interval {
        if (lower > upper) {
            throw new IllegalArgumentException("interval lower must be <= upper, got [" + lower + ", " + upper + "]");
        }
    }

    public boolean known() {
        return !Double.isNaN(lower) && !Double.isNaN(upper);
    }

    /** True when the whole interval lies above 0. */
    public boolean above(double value) {
        return known() && lower > value;
    }

    /** True when the whole interval lies below 0. */
    public boolean below(double value) {
        return known() && upper < value;
    }
}
