package dev.flywheel.splitter.ramp;

import java.util.List;
import java.util.Map;

/**
 * One ramp-controller decision, as written to ClickHouse {@code ramp_decisions} and shown over REST.
 *
 * @param decisionId        stable id: the same decision on the same experiment version (or tick) gets the same id, so a
 *                          replayed tick collapses in the ReplacingMergeTree
 * @param stageFrom         stage index before; {@code stageTo} after (equal unless advancing)
 * @param trafficPercent    treatment share after the decision (0 after a rollback, 100 after a promotion)
 * @param manual            true for an operator override; {@code actor} names who (the controller's id otherwise)
 * @param reasons           human-readable sentences, most important first
 * @param numbers           the statistics behind it: per metric control/treatment values, lifts and intervals; SRM
 * @param promotedVariantId the treatment that becomes control on {@link DecisionKind#PROMOTE}, else empty
 */
public record RampDecision(String decisionId, long tsMs, String experimentId, long experimentVersion, DecisionKind kind,
                           int stageFrom, int stageTo, double trafficPercent, boolean manual, String actor,
                           List<String> reasons, Map<String, Object> numbers, String promotedVariantId) {
    public RampDecision {
        if (decisionId == null || decisionId.isBlank()) {
            throw new IllegalArgumentException("decision_id is required");
        }
        if (experimentId == null || experimentId.isBlank()) {
            throw new IllegalArgumentException("experiment_id is required");
        }
        if (kind == null) {
            throw new IllegalArgumentException("decision is required");
        }
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("actor is required");
        }
        reasons = List.copyOf(reasons);
        numbers = numbers == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(numbers));
        promotedVariantId = promotedVariantId == null ? "" : promotedVariantId;
    }

    /** True when the decision changes the experiment's state. */
    public boolean acts() {
        return kind != DecisionKind.HOLD;
    }
}
