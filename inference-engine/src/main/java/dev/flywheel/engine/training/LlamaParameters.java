package dev.flywheel.engine.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.model.LlamaWeights;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.SafetensorsWriter;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Every weight of a Llama model as a trainable float32 {@link Parameter}, named as in Hugging Face
 * checkpoints. {@link #weights()} gives a model view over the same arrays.
 */
public final class LlamaParameters {
    private final ModelConfig config;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();

    private LlamaParameters(ModelConfig config) {
        this.config = config;
        add(Parameter.zeros("model.embed_tokens.weight", config.vocabSize(), config.dim()));
        for (int l = 0; l < config.nLayers(); l++) {
            add(Parameter.zeros(attentionNormName(l), config.dim()));
            for (Projection p : Projection.values()) {
                add(Parameter.zeros(p.weightName(l), p.out(config), p.in(config)));
            }
            add(Parameter.zeros(mlpNormName(l), config.dim()));
        }
        add(Parameter.zeros("model.norm.weight", config.dim()));
        if (!config.tiedEmbeddings()) {
            add(Parameter.zeros("lm_head.weight", config.vocabSize(), config.dim()));
        }
    }

    private void add(Parameter p) { byName.put(p.name(), p); }

    private static String attentionNormName(int l) { return "model.layers." + l + ".input_layernorm.weight"; }

    private static String mlpNormName(int l) { return "model.layers." + l + ".post_attention_layernorm.weight"; }

    /**
     * Fresh weights: norms 1, matrices N(0, std^2) with std = 0.02 ... scaled for the residual
     * outputs (o_proj, down_proj) by 1/sqrt(2 * layers) as in GPT-2, so the residual stream starts small.
     */
    public static LlamaParameters initialize(ModelConfig config, RandomGenerator rng, float std) {
        LlamaParameters p = new LlamaParameters(config);
        for (Parameter param : p.byName.values()) {
            float[] v = param.value();
            if (param.shape().length == 1) {
                java.util.Arrays.fill(v, 1f);
                continue;
            }
            boolean residualOut = param.name().contains("o_proj") || param.name().contains("down_proj");
            double s = residualOut ? std / Math.sqrt(2.0 * config.nLayers()) : std;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextGaussian() * s);
            }
        }
        return p;
    }

    /** Trainable copies of existing weights (any dtype), e.g. to fine-tune a loaded model fully. */
    public static LlamaParameters copyOf(ModelConfig config, LlamaWeights w) {
        LlamaParameters p = new LlamaParameters(config);
        copy(w.embedding(), p.embedding().value());
        for (int l = 0; l < config.nLayers(); l++) {
            LlamaWeights.Layer layer = w.layers().get(l);
            System.arraycopy(layer.attentionNorm(), 0, p.attentionNorm(l).value(), 0, config.dim());
            System.arraycopy(layer.mlpNorm(), 0, p.mlpNorm(l).value(), 0, config.dim());
            for (Projection pr : Projection.values()) {
                copy(layer.projection(pr), p.projection(l, pr).value());
            }
        }
        System.arraycopy(w.finalNorm(), 0, p.finalNorm().value(), 0, config.dim());
        if (!config.tiedEmbeddings()) {
            copy(w.lmHead(), p.lmHead().value());
        }
        return p;
    }

    private static void copy(Matrix m, float[] dst) {
        System.arraycopy(dev.flywheel.engine.safetensors.FloatCodec.toFloatArray(m), 0, dst, 0, dst.length);
    }

    public ModelConfig config() { return config; }

    public List<Parameter> all() { return List.copyOf(byName.values()); }

    public Parameter embedding() { return byName.get("model.embed_tokens.weight"); }

    public Parameter attentionNorm(int layer) { return byName.get(attentionNormName(layer)); }

    public Parameter mlpNorm(int layer) { return byName.get(mlpNormName(layer)); }

    public Parameter projection(int layer, Projection p) { return byName.get(p.weightName(layer)); }

    public Parameter finalNorm() { return byName.get("model.norm.weight"); }

    /** The output projection, or null when embeddings are tied (the embedding is used). */
    public Parameter lmHead() { return byName.get("lm_head.weight"); }

    /** A model view sharing these arrays: optimizer steps show up in the next forward. */
    public LlamaWeights weights() {
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.nLayers(); l++) {
            List<Matrix> projections = new ArrayList<>();
            for (Projection p : Projection.values()) {
                projections.add(matrix(projection(l, p)));
            }
            layers.add(new LlamaWeights.Layer(attentionNorm(l).value(), mlpNorm(l).value(), projections));
        }
        Matrix embedding = matrix(embedding());
        return new LlamaWeights(embedding, layers, finalNorm().value(), config.tiedEmbeddings() ? embedding : matrix(lmHead()));
    }

    private static Matrix matrix(Parameter p) {
        return Matrix.of(p.value(), p.shape()[0], p.shape()[1]);
    }

    /** Writes config.json and model.safetensors (float32) of a LlamaForCausalLM directory. */
    public void saveHuggingFace(Path dir) {
        try {
            Files.createDirectories(dir);
            ObjectNode cfg = new ObjectMapper().createObjectNode();
            cfg.putArray("architectures").add("LlamaForCausalLM");
            cfg.put("model_type", "llama");
            cfg.put("hidden_size", config.dim());
            cfg.put("intermediate_size", config.hiddenDim());
            cfg.put("num_hidden_layers", config.nLayers());
            cfg.put("num_attention_heads", config.nHeads());
            cfg.put("num_key_value_heads", config.nKvHeads());
            cfg.put("vocab_size", config.vocabSize());
            cfg.put("max_position_embeddings", config.maxSeqLen());
            cfg.put("rope_theta", config.ropeTheta());
            cfg.put("rms_norm_eps", config.rmsEps());
            cfg.put("tie_word_embeddings", config.tiedEmbeddings());
            cfg.put("hidden_act", "silu");
            cfg.put("bos_token_id", config.bosToken());
            cfg.put("eos_token_id", config.eosToken());
            cfg.put("torch_dtype", "float32");
            Files.writeString(dir.resolve("config.json"), cfg.toPrettyString() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("config.json"), e);
        }
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Parameter p : byName.values()) {
            long[] shape = java.util.Arrays.stream(p.shape()).asLongStream().toArray();
            entries.add(new SafetensorsWriter.Entry(p.name(), shape, p.value()));
        }
        new SafetensorsWriter(DType.F32).write(dir.resolve("model.safetensors"), entries, Map.of("format", "pt"));
    }
}
