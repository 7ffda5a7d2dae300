package dev.flywheel.splitter.stats;

import java.util.Map;

/**
 * One variant over all stages: exposures and each metric's value (pooled Σx/Σy for display; decisions use
 * the stratified {@link Comparison}s). {@code latencyMs} holds the arm's p50/p95/p99 in milliseconds.
 */
public record ArmResult(String variantId, long units, long requests, Map<String, Double> values, Map<String, Double> latencyMs) {
    public ArmResult {
        values = Map.copyOf(values);
        latencyMs = Map.copyOf(latencyMs);
    }
}
