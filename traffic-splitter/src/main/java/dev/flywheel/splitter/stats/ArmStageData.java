package dev.flywheel.splitter.stats;

import java.util.Map;

/**
 * Aggregates of one variant within one ramp stage, as read from ClickHouse: exposures (distinct analysis units and
 * requests) and a {@link RatioSummary} per metric. For latency metrics the summary counts requests slower than
 * control's quantile (see {@link Metric.Builtin#LATENCY_P95}).
 */
public record ArmStageData(String variantId, int stage, long units, long requests, Map<Metric, RatioSummary> metrics) {
    public ArmStageData {
        if (variantId == null || variantId.isBlank()) {
            throw new IllegalArgumentException("variant_id is required");
        }
        if (units < 0 || requests < 0) {
            throw new IllegalArgumentException("units and requests must be >= 0, got " + units + ", " + requests);
        }
        metrics = Map.copyOf(metrics);
    }

    public RatioSummary metric(Metric m) {
        return metrics.getOrDefault(m, RatioSummary.EMPTY);
    }
}
