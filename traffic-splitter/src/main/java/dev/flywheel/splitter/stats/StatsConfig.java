package dev.flywheel.splitter.stats;

/**
 * Statistical settings.
 *
 * @param alpha              two-sided error rate of intervals and tests (default 0.05)
 * @param sequentialTuning   the sample size (units, both arms) at which the confidence sequence is tightest; GrowthBook's
 *                           "sequential tuning parameter", default 5000
 * @param srmThreshold       p-value below which the sample ratio is a mismatch (default 0.001)
 */
public record StatsConfig(double alpha, double sequentialTuning, double srmThreshold) {
    public static final StatsConfig DEFAULT = new StatsConfig(0.05, 5000, 0.001);

    public StatsConfig {
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha must be in (0, 0.5), got " + alpha);
        }
        if (!(sequentialTuning >= 1)) {
            throw new IllegalArgumentException("sequential_tuning must be >= 1 unit, got " + sequentialTuning);
        }
        if (!(srmThreshold > 0 && srmThreshold < 0.5)) {
            throw new IllegalArgumentException("srm_threshold must be in (0, 0.5), got " + srmThreshold);
        }
    }
}
