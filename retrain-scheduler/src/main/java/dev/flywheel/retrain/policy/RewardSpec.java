package dev.flywheel.retrain.policy;

import java.util.List;

/**
 * The reward of a rollout: weighted evaluator scores, plus {@code feedbackWeight} times the mean user feedback
 * value recorded for the prompt's original request (thumbs 0/1, ratings scaled to 0..1 by the ingest) — feedback is
 * about the served completion, so it enters as a per-prompt prior that shifts every rollout of the group equally
 * unless it is 0; it is most useful to weight prompts, so it is kept small. 0 disables it.
 */
public record RewardSpec(List<RewardTerm> evaluators, double feedbackWeight) {
    public RewardSpec {
        if (evaluators == null || evaluators.isEmpty()) {
            throw new InvalidPolicyException("reward.evaluators", "must name at least one evaluator");
        }
        evaluators = List.copyOf(evaluators);
        if (!(feedbackWeight >= 0 && feedbackWeight <= 1)) {
            throw new InvalidPolicyException("reward.feedback_weight", "must be in [0, 1], got " + feedbackWeight);
        }
    }
}
