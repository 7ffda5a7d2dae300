package dev.flywheel.engine.model;

import dev.flywheel.engine.training.LlamaParameters;
import dev.flywheel.engine.training.LoraParameters;

import java.util.EnumSet;
import java.util.SplittableRandom;

/** Seeded random tiny models and adapters for tests (weights large enough that every term matters). */
public final class TestModels {
    private TestModels() {}

    /** dim 16, MLP 24, 2 layers, 4 heads over 2 KV heads (GQA), vocab 40. */
    public static ModelConfig tinyConfig(boolean tied) {
        return new ModelConfig(16, 24, 2, 4, 2, 40, 64, 10000f, 1e-5f, tied, 1, 2);
    }

    public static LlamaParameters randomParameters(ModelConfig config, long seed) {
        return LlamaParameters.initialize(config, new SplittableRandom(seed), 0.3f);
    }

    /** A LoRA on every projection with non-zero B (fresh PEFT init has B = 0, which would test nothing). */
    public static LoraParameters randomLora(ModelConfig config, int rank, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        LoraParameters lora = LoraParameters.initialize(config, rank, 2f * rank, EnumSet.allOf(Projection.class), rng);
        for (var p : lora.all()) {
            float[] v = p.value();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextGaussian() * 0.2);
            }
        }
        return lora;
    }
}
