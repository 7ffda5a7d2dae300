package dev.flywheel.engine.training;

/**
 * Weighted next-token cross-entropy. Position t's logits [V] predict targets[t]; weight[t] scales
 * its term (0 to ignore a prompt position; an advantage for policy-gradient losses). The loss is
 * sum_t weight[t] * -log softmax(logits_t)[targets[t]] / normaliser.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** Writes d loss / d logits into dLogits [T, V] (overwritten) and returns the loss. */
    public static double lossAndGradient(float[] logits, int vocab, int[] targets, float[] weight, double normaliser, float[] dLogits) {
        int n = targets.length;
        if (logits.length != n * vocab || dLogits.length != n * vocab || weight.length != n) {
            throw new IllegalArgumentException("logits and dLogits must be [" + n + ", " + vocab + "] and weight [" + n + "]");
        }
        if (!(normaliser > 0)) {
            throw new IllegalArgumentException("normaliser must be > 0, got " + normaliser);
        }
        double loss = 0;
        for (int t = 0; t < n; t++) {
            int off = t * vocab;
            if (weight[t] == 0f) {
                java.util.Arrays.fill(dLogits, off, off + vocab, 0f);
                continue;
            }
            if (targets[t] < 0 || targets[t] >= vocab) {
                throw new IllegalArgumentException("targets[" + t + "] = " + targets[t] + " is outside [0, " + vocab + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, logits[off + i]);
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp(logits[off + i] - max);
            }
            double logZ = max + Math.log(sum);
            loss += weight[t] * (logZ - logits[off + targets[t]]);
            double wt = weight[t] / normaliser;
            for (int i = 0; i < vocab; i++) {
                dLogits[off + i] = (float) (wt * Math.exp(logits[off + i] - logZ));
            }
            dLogits[off + targets[t]] -= (float) wt;
        }
        return loss / normaliser;
    }
}
