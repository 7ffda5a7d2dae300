package dev.flywheel.eval.reward;

import dev.flywheel.eval.evaluators.EvalResult;

/**
 * The reward of one completion: the evaluator's full result, and the number the trainer uses. An invalid result
 * (the evaluator failed) has no reward: {@link #rewardOr} makes the trainer say what to use instead (typically it
 * drops the group, or uses the group mean), because silently treating a failure as 0 would teach the model wrong.
 */
public record Reward(String evaluatorId, int evaluatorVersion, EvalResult result) {
    public boolean valid() {
        return result.valid();
    }

    public double rewardOr(double fallback) {
        return result.valid() ? result.score() : fallback;
    }
}
