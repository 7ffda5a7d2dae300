package dev.flywheel.retrain.runs;

import java.util.Map;

/** Where a run's per-step training metrics go (ClickHouse training_metrics in production). */
@FunctionalInterface
public interface MetricsSink {
    void write(String runId, int step, Map<String, Double> values);
}
