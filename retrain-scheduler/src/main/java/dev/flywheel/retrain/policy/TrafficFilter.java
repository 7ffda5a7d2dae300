package dev.flywheel.retrain.policy;

import java.util.List;

/**
 * Which recent traffic a run learns from: inference events of these experiments and variants (empty = any) from
 * the last {@code windowHours}, at most {@code maxPrompts} distinct prompts, {@code holdoutPercent} % of them
 * (by a stable hash of the prompt text) kept out of training for the gate.
 */
public record TrafficFilter(List<String> experimentIds, List<String> variantIds, int windowHours, int maxPrompts,
                            int holdoutPercent) {
    public TrafficFilter {
        experimentIds = experimentIds == null ? List.of() : List.copyOf(experimentIds);
        variantIds = variantIds == null ? List.of() : List.copyOf(variantIds);
        if (windowHours < 1 || windowHours > 24 * 90) {
            throw new InvalidPolicyException("traffic.window_hours", "must be in [1, 2160], got " + windowHours);
        }
        if (maxPrompts < 10 || maxPrompts > 1_000_000) {
            throw new InvalidPolicyException("traffic.max_prompts", "must be in [10, 1000000], got " + maxPrompts);
        }
        if (holdoutPercent < 1 || holdoutPercent > 50) {
            throw new InvalidPolicyException("traffic.holdout_percent", "must be in [1, 50], got " + holdoutPercent);
        }
    }
}
