package dev.flywheel.engine.training.grpo;

/**
 * What one optimizer step did. Rewards are over every sampled completion of the step (before normalisation);
 * loss, KL (k3 estimate, per completion token) and clip fraction are over the last epoch of the step; gradNorm is
 * the global L2 norm before clipping. rolloutTokens counts sampled completion tokens.
 */
public record StepMetrics(
        int step,
        double rewardMean,
        double rewardStd,
        double loss,
        double kl,
        double gradNorm,
        double clipFraction,
        int groupsUsed,
        int groupsSkipped,
        long rolloutTokens,
        long rolloutNanos,
        long trainNanos,
        double learningRate) {
}
