package dev.flywheel.engine.batching;

import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/** Random LoRA adapters for tests: every projection of every layer, A and B ~ U(-amp, amp). */
public final class TestAdapters {
    private TestAdapters() {}

    public static LoraAdapter random(String name, ModelConfig config, int rank, float amp, long seed) {
        RandomGenerator rng = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        LoraWeights[][] w = new LoraWeights[config.nLayers()][Projection.values().length];
        for (int l = 0; l < config.nLayers(); l++) {
            for (Projection p : Projection.values()) {
                w[l][p.ordinal()] = new LoraWeights(
                        Matrix.of(uniform(rng, rank * p.in(config), amp), rank, p.in(config)),
                        Matrix.of(uniform(rng, p.out(config) * rank, amp), p.out(config), rank));
            }
        }
        return new LoraAdapter(name, rank, 2f * rank, 2f, config, w);
    }

    /** A resident adapter as the engine holds it: weights stored as bfloat16. */
    public static ResidentAdapter resident(String name, ModelConfig config, long seed) {
        return new ResidentAdapter(name, 1, Path.of("/adapters", name), random(name, config, 2, 0.05f, seed).storedAs(DType.BF16));
    }

    public static float[] uniform(RandomGenerator rng, int n, float amp) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * amp);
        }
        return v;
    }
}
