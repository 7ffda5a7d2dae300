package dev.flywheel.engine.training;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Trainable LoRA pairs for a set of target projections: A [r, in] and B [out, r] per layer, with
 * scale = alpha / r. Initialised as PEFT does (A random, B zero), so training starts from the base.
 */
public final class LoraParameters {
    private final ModelConfig config;
    private final int rank;
    private final float alpha;
    /** [layer][projection ordinal] → {A, B}, null where not targeted. */
    private final Parameter[][][] pairs;

    private LoraParameters(ModelConfig config, int rank, float alpha, Set<Projection> targets) {
        if (rank <= 0) {
            throw new IllegalArgumentException("rank must be > 0, got " + rank);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets must name at least one projection");
        }
        this.config = config;
        this.rank = rank;
        this.alpha = alpha;
        this.pairs = new Parameter[config.nLayers()][Projection.values().length][];
        for (int l = 0; l < config.nLayers(); l++) {
            for (Projection p : targets) {
                String prefix = "base_model.model." + p.weightName(l).replace(".weight", "");
                pairs[l][p.ordinal()] = new Parameter[] {
                        Parameter.zeros(prefix + ".lora_A.weight", rank, p.in(config)),
                        Parameter.zeros(prefix + ".lora_B.weight", p.out(config), rank)};
            }
        }
    }

    /** A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's Kaiming-uniform bound for a=sqrt(5)), B = 0. */
    public static LoraParameters initialize(ModelConfig config, int rank, float alpha, Set<Projection> targets, RandomGenerator rng) {
        LoraParameters lp = new LoraParameters(config, rank, alpha, targets);
        for (Parameter[][] layer : lp.pairs) {
            for (Parameter[] pair : layer) {
                if (pair == null) {
                    continue;
                }
                float bound = (float) (1.0 / Math.sqrt(pair[0].shape()[1]));
                float[] a = pair[0].value();
                for (int i = 0; i < a.length; i++) {
                    a[i] = (rng.nextFloat() * 2f - 1f) * bound;
                }
            }
        }
        return lp;
    }

    public ModelConfig config() { return config; }

    public int rank() { return rank; }

    public float scale() { return alpha / rank; }

    /** {A, B} for a layer's projection, or null when it is not targeted. */
    public Parameter[] pair(int layer, Projection p) { return pairs[layer][p.ordinal()]; }

    public List<Parameter> all() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter[][] layer : pairs) {
            for (Parameter[] pair : layer) {
                if (pair != null) {
                    out.add(pair[0]);
                    out.add(pair[1]);
                }
            }
        }
        return out;
    }

    /** A servable adapter viewing these arrays (later optimizer steps show through; save() to freeze). */
    public LoraAdapter toAdapter(String name) {
        LoraWeights[][] w = new LoraWeights[config.nLayers()][Projection.values().length];
        for (int l = 0; l < config.nLayers(); l++) {
            for (Projection p : Projection.values()) {
                Parameter[] pair = pairs[l][p.ordinal()];
                if (pair != null) {
                    w[l][p.ordinal()] = new LoraWeights(Matrix.of(pair[0].value(), rank, p.in(config)),
                            Matrix.of(pair[1].value(), p.out(config), rank));
                }
            }
        }
        return new LoraAdapter(name, rank, alpha, scale(), config, w);
    }
}
