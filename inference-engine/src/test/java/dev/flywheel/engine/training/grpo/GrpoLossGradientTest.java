package dev.flywheel.engine.training.grpo;

import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.TestModels;
import dev.flywheel.engine.training.Backprop;
import dev.flywheel.engine.training.LlamaParameters;
import dev.flywheel.engine.training.LoraParameters;
import dev.flywheel.engine.training.Parameter;
import dev.flywheel.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference check of the whole GRPO loss (clipped ratio + k3 KL, temperature-scaled policy) with respect
 * to every LoRA tensor, through the engine's Backprop. Central differences with step 1e-2 on float32 activations;
 * accepted when |analytic - numeric| <= 1e-4 + 3e-2 * max(|analytic|, |numeric|). Old log-probs are offset from the
 * current ones so that some tokens sit inside the clip range and some outside it (by far more than one step).
 */
class GrpoLossGradientTest {
    private static final float EPS = 1e-2f;
    private static final double TEMPERATURE = 0.7;
    private static final double CLIP = 0.2;
    private static final double BETA = 0.1;

    private final ModelConfig cfg = TestModels.tinyConfig(false);
    private final LlamaParameters base = TestModels.randomParameters(cfg, 31);
    private final LoraParameters lora = TestModels.randomLora(cfg, 2, 32);
    private final Backprop graph = Backprop.lora(cfg, base.weights(), lora, Kernels.scalar());

    // Two completions of one prompt: the first with a positive advantage, the second negative.
    private final Rollout[] rollouts = {
            rollout(new int[] {1, 5, 9, 3}, new int[] {12, 7, 30, 2}),
            rollout(new int[] {1, 5, 9, 3}, new int[] {8, 21, 2})};
    private final double[] advantages = {1.3, -0.8};
    // ratio = exp(current - old): offsets 0.5 → r 0.61, -0.5 → 1.65, 0.05 → 0.95 (inside [0.8, 1.2]).
    private final double[][] oldOffsets = {{0.05, -0.5, 0.5, -0.05}, {0.5, 0.05, -0.5}};
    private final double[][] refOffsets = {{0.3, -0.2, 0.1, 0.4}, {-0.3, 0.2, 0.0}};

    private static Rollout rollout(int[] prompt, int[] completion) {
        return new Rollout(prompt, completion, new float[completion.length], "");
    }

    private float[][][] fixedLogProbs() {
        float[][][] out = new float[2][2][];
        for (int s = 0; s < rollouts.length; s++) {
            Rollout r = rollouts[s];
            Backprop.Tape tape = graph.forward(r.input());
            int c = r.completionTokens().length;
            out[s][0] = new float[c];
            out[s][1] = new float[c];
            for (int j = 0; j < c; j++) {
                int pos = r.firstCompletionPosition() + j;
                double now = GrpoLoss.logProb(tape.logits(), pos * cfg.vocabSize(), cfg.vocabSize(), r.targets()[pos], TEMPERATURE);
                out[s][0][j] = (float) (now - oldOffsets[s][j]);
                out[s][1][j] = (float) (now - refOffsets[s][j]);
            }
        }
        return out;
    }

    private double loss(float[][][] fixed, boolean backward, int[] clippedOut) {
        double total = 0;
        for (int s = 0; s < rollouts.length; s++) {
            Rollout r = rollouts[s];
            Backprop.Tape tape = graph.forward(r.input());
            float[] d = new float[tape.logits().length];
            GrpoLoss.Contribution c = GrpoLoss.lossAndGradient(tape.logits(), cfg.vocabSize(), r.targets(), r.firstCompletionPosition(),
                    fixed[s][0], fixed[s][1], advantages[s], TEMPERATURE, CLIP, BETA, 0.5, d);
            total += c.loss();
            clippedOut[0] += c.clippedTokens();
            if (backward) {
                graph.backward(tape, d);
            }
        }
        return total;
    }

    @Test
    void grpoLossGradientWithRespectToLoraMatchesFiniteDifferences() {
        float[][][] fixed = fixedLogProbs();
        lora.all().forEach(Parameter::zeroGrad);
        int[] clipped = {0};
        loss(fixed, true, clipped);
        assertTrue(clipped[0] >= 2 && clipped[0] <= 4, "the fixture must clip some tokens and not others, clipped " + clipped[0]);
        SplittableRandom rng = new SplittableRandom(9);
        int checked = 0;
        for (Parameter p : lora.all()) {
            for (int probe = 0; probe < 3; probe++) {
                int i = rng.nextInt(p.size());
                float saved = p.value()[i];
                p.value()[i] = saved + EPS;
                double up = loss(fixed, false, new int[1]);
                p.value()[i] = saved - EPS;
                double down = loss(fixed, false, new int[1]);
                p.value()[i] = saved;
                double numeric = (up - down) / (2 * EPS);
                double analytic = p.grad()[i];
                double tol = 1e-4 + 3e-2 * Math.max(Math.abs(analytic), Math.abs(numeric));
                assertEquals(numeric, analytic, tol, p.name() + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(lora.all().size() * 3, checked);
    }

    @Test
    void clippedTokensContributeNoPolicyGradient() {
        // Every token far outside the clip range on the side where min() picks the constant: only the KL term is left.
        Rollout r = rollouts[0];
        Backprop.Tape tape = graph.forward(r.input());
        int c = r.completionTokens().length;
        float[] old = new float[c];
        for (int j = 0; j < c; j++) {
            int pos = r.firstCompletionPosition() + j;
            old[j] = (float) (GrpoLoss.logProb(tape.logits(), pos * cfg.vocabSize(), cfg.vocabSize(), r.targets()[pos], TEMPERATURE) - 1.0);
        }
        float[] d = new float[tape.logits().length];
        GrpoLoss.Contribution contribution = GrpoLoss.lossAndGradient(tape.logits(), cfg.vocabSize(), r.targets(),
                r.firstCompletionPosition(), old, null, 2.0, TEMPERATURE, CLIP, 0.0, 1.0, d);
        assertEquals(c, contribution.clippedTokens());
        for (float v : d) {
            assertEquals(0f, v, 0f);
        }
        assertEquals(-(1 + CLIP) * 2.0, contribution.loss(), 1e-9, "the clipped objective is (1 + eps) * A per token, averaged");
    }

    @Test
    void atRatioOneTheGradientIsTheAdvantageWeightedPolicyGradient() {
        // With old = current and beta = 0, d loss / d logit = -A / C * (onehot - p) / T at completion positions.
        Rollout r = rollouts[1];
        Backprop.Tape tape = graph.forward(r.input());
        float[][][] fixed = fixedLogProbs();
        float[] old = fixed[1][0].clone();
        for (int j = 0; j < old.length; j++) {
            old[j] += (float) oldOffsets[1][j];
        }
        float[] d = new float[tape.logits().length];
        GrpoLoss.lossAndGradient(tape.logits(), cfg.vocabSize(), r.targets(), r.firstCompletionPosition(), old, null, -0.8,
                TEMPERATURE, CLIP, 0.0, 1.0, d);
        int first = r.firstCompletionPosition();
        int v = cfg.vocabSize();
        for (int pos = 0; pos < first; pos++) {
            for (int i = 0; i < v; i++) {
                assertEquals(0f, d[pos * v + i], 0f, "prompt positions get no gradient");
            }
        }
        int target = r.targets()[first];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += d[first * v + i];
        }
        assertEquals(0, sum, 1e-5, "softmax gradients sum to zero over the vocabulary");
        assertTrue(d[first * v + target] > 0, "a negative advantage pushes the sampled token down (positive loss gradient)");
    }
}
