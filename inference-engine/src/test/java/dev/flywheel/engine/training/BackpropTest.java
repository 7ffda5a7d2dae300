package dev.flywheel.engine.training;

import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.TestModels;
import dev.flywheel.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference gradient checks on tiny shapes. The network runs in float32, so the check uses
 * central differences with step 1e-2 on a loss accumulated in double, and accepts
 * |analytic - numeric| <= 1e-3 + 3e-2 * max(|analytic|, |numeric|) for every probed element.
 */
class BackpropTest {
    private static final float EPS = 1e-2f;
    private final Kernels kernels = Kernels.scalar();

    private static final int[] TOKENS = {1, 7, 22, 5, 39, 12, 30};
    private static final int[] TARGETS = {7, 22, 5, 39, 12, 30, 2};

    private static double loss(Backprop graph, ModelConfig cfg, float[] dLogits) {
        float[] weight = {0.5f, 1f, 1f, 0f, 1f, 2f, 1f}; // a masked position and uneven weights, as RL losses have
        var tape = graph.forward(TOKENS);
        float[] d = dLogits == null ? new float[tape.logits().length] : dLogits;
        double loss = CrossEntropy.lossAndGradient(tape.logits(), cfg.vocabSize(), TARGETS, weight, 6.5, d);
        if (dLogits != null) {
            graph.backward(tape, d);
        }
        return loss;
    }

    private static void check(List<Parameter> params, DoubleSupplier lossFn, int probesPerTensor, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int checked = 0;
        for (Parameter p : params) {
            for (int probe = 0; probe < probesPerTensor; probe++) {
                int i = rng.nextInt(p.size());
                float saved = p.value()[i];
                p.value()[i] = saved + EPS;
                double up = lossFn.getAsDouble();
                p.value()[i] = saved - EPS;
                double down = lossFn.getAsDouble();
                p.value()[i] = saved;
                double numeric = (up - down) / (2 * EPS);
                double analytic = p.grad()[i];
                double tol = 1e-3 + 3e-2 * Math.max(Math.abs(analytic), Math.abs(numeric));
                assertEquals(numeric, analytic, tol, p.name() + "[" + i + "]");
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    @Test
    void fullModelGradientsMatchFiniteDifferencesTiedAndUntied() {
        for (boolean tied : new boolean[] {true, false}) {
            ModelConfig cfg = TestModels.tinyConfig(tied);
            LlamaParameters params = TestModels.randomParameters(cfg, 21);
            Backprop graph = Backprop.full(params, kernels);
            params.all().forEach(Parameter::zeroGrad);
            loss(graph, cfg, new float[TOKENS.length * cfg.vocabSize()]);
            check(params.all(), () -> loss(graph, cfg, null), 4, 5);
        }
    }

    @Test
    void loraOnlyGradientsMatchFiniteDifferencesAndLeaveTheBaseFrozen() {
        ModelConfig cfg = TestModels.tinyConfig(false);
        LlamaParameters base = TestModels.randomParameters(cfg, 22);
        LoraParameters lora = TestModels.randomLora(cfg, 3, 23);
        float[] baseBefore = base.projection(0, dev.flywheel.engine.model.Projection.Q).value().clone();
        Backprop graph = Backprop.lora(cfg, base.weights(), lora, kernels);
        lora.all().forEach(Parameter::zeroGrad);
        loss(graph, cfg, new float[TOKENS.length * cfg.vocabSize()]);
        check(lora.all(), () -> loss(graph, cfg, null), 3, 6);
        for (Parameter p : base.all()) {
            for (float g : p.grad()) {
                assertEquals(0f, g, 0f, "frozen base " + p.name() + " must receive no gradient");
            }
        }
        assertEquals(java.util.Arrays.toString(baseBefore),
                java.util.Arrays.toString(base.projection(0, dev.flywheel.engine.model.Projection.Q).value()));
    }

    @Test
    void adamWWithClippingDrivesTheLossDownOnAFixedSequence() {
        ModelConfig cfg = TestModels.tinyConfig(true);
        LlamaParameters params = LlamaParameters.initialize(cfg, new SplittableRandom(3), 0.02f);
        Backprop graph = Backprop.full(params, kernels);
        AdamW opt = new AdamW(params.all(), AdamW.Settings.defaults());
        float[] d = new float[TOKENS.length * cfg.vocabSize()];
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 60; step++) {
            params.all().forEach(Parameter::zeroGrad);
            last = loss(graph, cfg, d);
            if (step == 0) {
                first = last;
            }
            GradientClipping.clipGlobalNorm(params.all(), 1.0);
            opt.step(1e-2);
        }
        assertTrue(last < first * 0.2, "loss went from " + first + " to " + last);
    }

    @Test
    void clippingScalesTheGlobalNormToTheLimitAndLeavesSmallGradientsAlone() {
        Parameter a = Parameter.zeros("a", 2);
        Parameter b = Parameter.zeros("b", 1, 1);
        a.grad()[0] = 3f;
        b.grad()[0] = 4f;
        assertEquals(5.0, GradientClipping.clipGlobalNorm(List.of(a, b), 1.0), 1e-9);
        assertEquals(0.6f, a.grad()[0], 1e-6f);
        assertEquals(0.8f, b.grad()[0], 1e-6f);
        GradientClipping.clipGlobalNorm(List.of(a, b), 2.0);
        assertEquals(0.6f, a.grad()[0], 1e-6f);
    }
}
