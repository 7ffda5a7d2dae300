package dev.flywheel.engine.training.grpo;

import java.util.List;

/**
 * Scores one group: the G completions sampled for {@code prompt}, in order. The engine does not know how rewards are
 * computed (the retrain scheduler plugs in the eval-service evaluators, so training uses the same code as online
 * scoring). Return one value per completion; NaN marks a completion the evaluator could not score — the trainer
 * replaces it by the mean of the group's valid rewards, and drops a group with none, rather than reading it as 0.
 */
@FunctionalInterface
public interface RewardCallback {
    double[] rewards(TrainingPrompt prompt, List<String> completions) throws InterruptedException;
}
