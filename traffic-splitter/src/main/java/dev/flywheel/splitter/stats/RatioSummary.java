package dev.flywheel.splitter.stats;

/**
 * Sufficient statistics of a per-unit ratio metric for one arm in one ramp stage: over {@code units} analysis
 * units, each unit i contributes a numerator x_i and a denominator y_i (e.g. x = errors, y = requests of one user).
 * The metric is Σx / Σy; its variance follows from the five sums by the delta method ({@link #ratioVariance()}).
 * A per-request metric is the special case y_i = 1 (each request its own unit).
 */
public record RatioSummary(long units, double sumX, double sumY, double sumXX, double sumYY, double sumXY) {
    public static final RatioSummary EMPTY = new RatioSummary(0, 0, 0, 0, 0, 0);

    public RatioSummary {
        if (units < 0) {
            throw new IllegalArgumentException("units must be >= 0, got " + units);
        }
        check("sumX", sumX);
        check("sumY", sumY);
        check("sumXX", sumXX);
        check("sumYY", sumYY);
        check("sumXY", sumXY);
        if (sumY < 0 || sumXX < 0 || sumYY < 0) {
            throw new IllegalArgumentException("sumY, sumXX and sumYY must be >= 0, got " + sumY + ", " + sumXX + ", " + sumYY);
        }
    }

    /** Summary of plain per-unit values v_i (denominator 1 per unit). */
    public static RatioSummary ofMean(long units, double sum, double sumSquares) {
        return new RatioSummary(units, sum, units, sumSquares, units, sum);
    }

    /** The metric value Σx / Σy, or NaN when there is no denominator. */
    public double ratio() {
        return sumY > 0 ? sumX / sumY : Double.NaN;
    }

    /**
     * Delta-method variance of the ratio estimate (Deng, Knoblich, Lu 2018, "Applying the Delta Method in Metric
     * Analytics"): Var(X̄/Ȳ) ≈ (1/n)·(σx²/μy² − 2·μx·σxy/μy³ + μx²·σy²/μy⁴). NaN with fewer than 2 units.
     */
    public double ratioVariance() {
        if (units < 2 || sumY <= 0) {
            return Double.NaN;
        }
        double n = units;
        double mx = sumX / n;
        double my = sumY / n;
        double vx = Math.max(0, (sumXX - n * mx * mx) / (n - 1));
        double vy = Math.max(0, (sumYY - n * my * my) / (n - 1));
        double cxy = (sumXY - n * mx * my) / (n - 1);
        double v = (vx / (my * my) - 2 * mx * cxy / (my * my * my) + mx * mx * vy / (my * my * my * my)) / n;
        return Math.max(0, v);
    }

    public RatioSummary plus(RatioSummary o) {
        return new RatioSummary(units + o.units, sumX + o.sumX, sumY + o.sumY, sumXX + o.sumXX, sumYY + o.sumYY, sumXY + o.sumXY);
    }

    private static void check(String field, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(field + " must be finite, got " + v);
        }
    }
}
