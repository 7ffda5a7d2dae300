package dev.flywheel.engine.model;

import dev.flywheel.kernels.Matrix;

import java.util.List;
import java.util.Objects;

/**
 * The weights of a Llama decoder. Matrices are [out, in] as in Hugging Face checkpoints (usually views
 * of a mapped safetensors file); norm weights are small float32 heap copies. {@code lmHead} is the
 * embedding matrix itself when embeddings are tied.
 */
public record LlamaWeights(Matrix embedding, List<Layer> layers, float[] finalNorm, Matrix lmHead) {

    /** One decoder layer; {@code projections} is indexed by {@link Projection#ordinal()}. */
    public record Layer(float[] attentionNorm, float[] mlpNorm, List<Matrix> projections) {
        public Layer {
            Objects.requireNonNull(attentionNorm, "attentionNorm");
            Objects.requireNonNull(mlpNorm, "mlpNorm");
            projections = List.copyOf(projections);
            if (projections.size() != Projection.values().length) {
                throw new IllegalArgumentException("projections must hold " + Projection.values().length + " matrices, got " + projections.size());
            }
        }

        public Matrix projection(Projection p) { return projections.get(p.ordinal()); }
    }

    public LlamaWeights {
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(finalNorm, "finalNorm");
        Objects.requireNonNull(lmHead, "lmHead");
        layers = List.copyOf(layers);
    }

    /** Checks every shape against {@code config}; the message names the tensor. */
    public void validate(ModelConfig config) {
        expect("model.embed_tokens.weight", embedding, config.vocabSize(), config.dim());
        expect("lm_head.weight", lmHead, config.vocabSize(), config.dim());
        expect("model.norm.weight", finalNorm, config.dim());
        if (layers.size() != config.nLayers()) {
            throw new IllegalArgumentException("expected " + config.nLayers() + " layers, got " + layers.size());
        }
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            expect("model.layers." + l + ".input_layernorm.weight", layer.attentionNorm(), config.dim());
            expect("model.layers." + l + ".post_attention_layernorm.weight", layer.mlpNorm(), config.dim());
            for (Projection p : Projection.values()) {
                expect(p.weightName(l), layer.projection(p), p.out(config), p.in(config));
            }
        }
    }

    private static void expect(String name, Matrix m, int rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(name + " has shape [" + m.rows() + ", " + m.cols() + "], expected [" + rows + ", " + cols + "]");
        }
    }

    private static void expect(String name, float[] v, int n) {
        if (v.length != n) {
            throw new IllegalArgumentException(name + " has " + v.length + " elements, expected " + n);
        }
    }
}
