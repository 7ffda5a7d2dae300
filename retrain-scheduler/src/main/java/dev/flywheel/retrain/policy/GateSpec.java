package dev.flywheel.retrain.policy;

import java.util.List;

/**
 * The offline gate: candidate vs champion on the holdout. Passes only when the candidate is better on
 * {@code primaryEvaluator} (the whole {@code confidence} interval of the paired difference above 0) and, for each
 * guardrail, not worse by more than {@code guardrailMargin} (interval's low end >= -margin).
 */
public record GateSpec(String primaryEvaluator, List<String> guardrails, double confidence, double guardrailMargin,
                       int maxItems) {
    public GateSpec {
        if (primaryEvaluator == null || primaryEvaluator.isBlank()) {
            throw new InvalidPolicyException("gate.primary_evaluator", "is required");
        }
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
        if (!(confidence >= 0.5 && confidence < 1)) {
            throw new InvalidPolicyException("gate.confidence", "must be in [0.5, 1), got " + confidence);
        }
        if (!(guardrailMargin >= 0 && guardrailMargin <= 1)) {
            throw new InvalidPolicyException("gate.guardrail_margin", "must be in [0, 1], got " + guardrailMargin);
        }
        if (maxItems < 10) {
            throw new InvalidPolicyException("gate.max_items", "must be >= 10, got " + maxItems);
        }
    }
}
