package dev.flywheel.eval.reward;

import java.util.List;

/**
 * What the RFT trainer calls with a group of completions (GRPO samples several completions per prompt and
 * normalises rewards within the group). Returns one {@link Reward} per completion, in order.
 */
@FunctionalInterface
public interface RewardFunction {
    List<Reward> score(List<Completion> group) throws InterruptedException;
}
