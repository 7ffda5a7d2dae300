package dev.flywheel.retrain.policy;

/** One eval-service evaluator in the reward: reward = sum of weight * score (version null = latest at run start). */
public record RewardTerm(String evaluatorId, Integer version, double weight) {
    public RewardTerm {
        if (evaluatorId == null || evaluatorId.isBlank()) {
            throw new InvalidPolicyException("reward.evaluators[].id", "is required");
        }
        if (version != null && version < 1) {
            throw new InvalidPolicyException("reward.evaluators[].version", "must be >= 1, got " + version);
        }
        if (!Double.isFinite(weight) || weight == 0) {
            throw new InvalidPolicyException("reward.evaluators[].weight", "must be a non-zero finite number, got " + weight);
        }
    }
}
