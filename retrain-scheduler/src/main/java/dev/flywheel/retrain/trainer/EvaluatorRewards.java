package dev.flywheel.retrain.trainer;

import dev.flywheel.engine.training.grpo.RewardCallback;
import dev.flywheel.engine.training.grpo.TrainingPrompt;
import dev.flywheel.eval.reward.Completion;
import dev.flywheel.eval.reward.Reward;
import dev.flywheel.eval.reward.RewardFunction;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.retrain.policy.RewardSpec;
import dev.flywheel.retrain.policy.RewardTerm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The GRPO reward callback backed by eval-service's reward library: each policy term is one evaluator version
 * (resolved once, so a run uses one version throughout), reward = sum of weight * score (a negative weight penalises a term). A completion any term could
 * not score gets NaN (the trainer then uses its group's mean, never a silent 0). The feedback term adds
 * {@code feedbackWeight} * the prompt's recorded feedback to every completion of its group; it shows in the reward
 * curve but, being constant within a group, does not move group-normalised advantages.
 */
public final class EvaluatorRewards implements RewardCallback {
    private final List<RewardFunction> functions = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();
    private final double feedbackWeight;
    private final Map<String, Double> feedbackByPrompt;

    /**
     * @param feedbackByPrompt prompt id → mean feedback value (absent: none)
     */
    public EvaluatorRewards(Rewards rewards, RewardSpec spec, Map<String, Double> feedbackByPrompt) {
        for (RewardTerm t : spec.evaluators()) {
            functions.add(rewards.function(t.evaluatorId(), t.version()));
            weights.add(t.weight());
        }
        this.feedbackWeight = spec.feedbackWeight();
        this.feedbackByPrompt = Map.copyOf(feedbackByPrompt);
    }

    @Override
    public double[] rewards(TrainingPrompt prompt, List<String> completions) throws InterruptedException {
        List<Completion> group = completions.stream().map(c -> Completion.of(prompt.text(), c, prompt.reference())).toList();
        double[] out = new double[completions.size()];
        for (int t = 0; t < functions.size(); t++) {
            List<Reward> scored = functions.get(t).score(group);
            for (int i = 0; i < out.length; i++) {
                out[i] += weights.get(t) * scored.get(i).rewardOr(Double.NaN);
            }
        }
        double fb = feedbackByPrompt.getOrDefault(prompt.id(), Double.NaN);
        for (int i = 0; i < out.length; i++) {
            if (feedbackWeight > 0 && !Double.isNaN(fb)) {
                out[i] += feedbackWeight * fb;
            }
        }
        return out;
    }
}
