package dev.flywheel.engine.training.grpo;

/**
 * The clipped policy-ratio objective of one sampled completion, and its gradient with respect to the logits.
 *
 * <p>The policy is softmax(z / T) (T = the rollout temperature). For completion token j with log-prob l_j, rollout
 * log-prob o_j and ratio r_j = exp(l_j - o_j), the per-token objective is
 * min(r_j A, clip(r_j, 1 - eps, 1 + eps) A) - beta * k3_j, with k3_j = exp(b_j - l_j) - (b_j - l_j) - 1 against the
 * base log-prob b_j. The loss of the sequence is -weight / C * sum_j objective_j (C completion tokens; weight is
 * usually 1 / sequences in the batch). d loss / d l_j = -weight / C * (A r_j [unclipped] - beta (1 - exp(b_j - l_j))),
 * and d l_j / d z = (onehot - softmax(z / T)) / T.
 *
 * <p>Shapes: logits [L, V] for the input sequence (prompt + completion without its last token); completion token j
 * is targets[first + j] predicted at position first + j.
 */
public final class GrpoLoss {
    private GrpoLoss() {}

    /** What one sequence contributed. */
    public record Contribution(double loss, double klSum, int clippedTokens, int tokens) {}

    /**
     * Writes d loss / d logits into dLogits (overwritten, zero outside completion positions) and returns the loss.
     *
     * @param oldLogProbs [C] rollout log-probs; refLogProbs [C] base log-probs, or null when beta = 0
     */
    public static Contribution lossAndGradient(float[] logits, int vocab, int[] targets, int first, float[] oldLogProbs,
                                               float[] refLogProbs, double advantage, double temperature, double clipEpsilon,
                                               double beta, double weight, float[] dLogits) {
        int c = oldLogProbs.length;
        int positions = logits.length / vocab;
        if (logits.length != positions * vocab || dLogits.length != logits.length || targets.length != positions) {
            throw new IllegalArgumentException("logits and dLogits must be [" + targets.length + ", " + vocab + "]");
        }
        if (c < 1 || first < 0 || first + c != positions) {
            throw new IllegalArgumentException("completion of " + c + " tokens from position " + first
                    + " must end at the last of " + positions + " positions");
        }
        if (beta > 0 && (refLogProbs == null || refLogProbs.length != c)) {
            throw new IllegalArgumentException("refLogProbs must hold " + c + " values when beta > 0");
        }
        java.util.Arrays.fill(dLogits, 0, first * vocab, 0f);
        double invT = 1.0 / temperature;
        double loss = 0;
        double klSum = 0;
        int clipped = 0;
        double[] p = new double[vocab];
        for (int j = 0; j < c; j++) {
            int off = (first + j) * vocab;
            int target = targets[first + j];
            if (target < 0 || target >= vocab) {
                throw new IllegalArgumentException("targets[" + (first + j) + "] = " + target + " is outside [0, " + vocab + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, logits[off + i] * invT);
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                p[i] = Math.exp(logits[off + i] * invT - max);
                sum += p[i];
            }
            double logZ = max + Math.log(sum);
            double logProb = logits[off + target] * invT - logZ;
            double ratio = Math.exp(logProb - oldLogProbs[j]);
            double unclipped = ratio * advantage;
            double clippedTerm = Math.clamp(ratio, 1 - clipEpsilon, 1 + clipEpsilon) * advantage;
            boolean active = unclipped <= clippedTerm; // min() picks the unclipped term: it carries the gradient
            if (!active) {
                clipped++;
            }
            double objective = Math.min(unclipped, clippedTerm);
            double dObjective = active ? unclipped : 0.0;
            if (beta > 0) {
                double d = refLogProbs[j] - logProb;
                double k3 = Math.exp(d) - d - 1;
                klSum += k3;
                objective -= beta * k3;
                dObjective -= beta * (1 - Math.exp(d));
            }
            loss -= weight / c * objective;
            double dLogProb = -weight / c * dObjective;
            for (int i = 0; i < vocab; i++) {
                dLogits[off + i] = (float) (-dLogProb * (p[i] / sum) * invT);
            }
            dLogits[off + target] += (float) (dLogProb * invT);
        }
        return new Contribution(loss, klSum, clipped, c);
    }

    /** log softmax(z / T)[target] of one row of logits. */
    public static double logProb(float[] logits, int off, int vocab, int target, double temperature) {
        double invT = 1.0 / temperature;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i] * invT);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] * invT - max);
        }
        return logits[off + target] * invT - max - Math.log(sum);
    }
}
