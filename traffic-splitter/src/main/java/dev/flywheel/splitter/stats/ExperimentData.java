package dev.flywheel.splitter.stats;

import java.util.List;
import java.util.Map;

/**
 * Everything read from ClickHouse for one experiment: one {@link ArmStageData} per (variant, stage) that has
 * events, and each variant's latency quantiles over all stages ({@code {0.5: ms, 0.95: ms, 0.99: ms}}).
 */
public record ExperimentData(String experimentId, List<ArmStageData> cells, Map<String, Map<Double, Double>> latencyQuantiles) {
    public ExperimentData {
        cells = List.copyOf(cells);
        latencyQuantiles = Map.copyOf(latencyQuantiles);
    }
}
