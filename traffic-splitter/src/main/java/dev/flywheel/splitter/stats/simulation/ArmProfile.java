package dev.flywheel.splitter.stats.simulation;

/**
 * How one simulated arm behaves.
 *
 * @param scoreMean       mean evaluator score (normal, sd {@code scoreSd})
 * @param errorRate       share of requests with status error (0..1)
 * @param latencyMedianMs median latency; latency is log-normal with sigma 0.3, so p95 ≈ 1.64 × median
 * @param thumbsUpRate    share of thumbs feedback that is up (0..1)
 * @param conversionRate  share of requests that convert (0..1)
 */
public record ArmProfile(double scoreMean, double scoreSd, double errorRate, double latencyMedianMs, double thumbsUpRate,
                         double conversionRate) {
    public static final ArmProfile BASELINE = new ArmProfile(0.6, 0.2, 0.02, 400, 0.7, 0.1);

    public ArmProfile {
        if (!(errorRate >= 0 && errorRate <= 1) || !(thumbsUpRate >= 0 && thumbsUpRate <= 1) || !(conversionRate >= 0 && conversionRate <= 1)) {
            throw new IllegalArgumentException("error_rate, thumbs_up_rate and conversion_rate must be within 0..1");
        }
        if (!(latencyMedianMs > 0) || !(scoreSd >= 0)) {
            throw new IllegalArgumentException("latency_median_ms must be > 0 and score_sd >= 0");
        }
    }

    public ArmProfile withScoreMean(double v) {
        return new ArmProfile(v, scoreSd, errorRate, latencyMedianMs, thumbsUpRate, conversionRate);
    }

    public ArmProfile withErrorRate(double v) {
        return new ArmProfile(scoreMean, scoreSd, v, latencyMedianMs, thumbsUpRate, conversionRate);
    }

    public ArmProfile withLatencyMedianMs(double v) {
        return new ArmProfile(scoreMean, scoreSd, errorRate, v, thumbsUpRate, conversionRate);
    }
}
