package dev.flywheel.engine.bench.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.SafetensorsWriter;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Seeded random Llama weights written as a Hugging Face directory (config.json + F32
 * model.safetensors), so the benchmark loads them through the real memory-mapped path, and random
 * LoRA adapters. Uniform weights scaled 1/sqrt(fan_in) keep activations finite.
 */
public final class RandomModelFiles {
    private RandomModelFiles() {}

    public static Path write(Path dir, ModelConfig c, RandomGenerator rng) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("hidden_size", c.dim());
        config.put("intermediate_size", c.hiddenDim());
        config.put("num_hidden_layers", c.nLayers());
        config.put("num_attention_heads", c.nHeads());
        config.put("num_key_value_heads", c.nKvHeads());
        config.put("vocab_size", c.vocabSize());
        config.put("max_position_embeddings", c.maxSeqLen());
        config.put("rope_theta", c.ropeTheta());
        config.put("rms_norm_eps", c.rmsEps());
        config.put("tie_word_embeddings", c.tiedEmbeddings());
        config.put("hidden_act", "silu");
        config.put("torch_dtype", "float32");
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());

        List<SafetensorsWriter.Entry> tensors = new ArrayList<>();
        tensors.add(new SafetensorsWriter.Entry("model.embed_tokens.weight", new long[] {c.vocabSize(), c.dim()},
                uniform(rng, c.vocabSize() * c.dim(), 1f)));
        for (int l = 0; l < c.nLayers(); l++) {
            tensors.add(ones("model.layers." + l + ".input_layernorm.weight", c.dim()));
            tensors.add(ones("model.layers." + l + ".post_attention_layernorm.weight", c.dim()));
            for (Projection p : Projection.values()) {
                tensors.add(new SafetensorsWriter.Entry(p.weightName(l), new long[] {p.out(c), p.in(c)},
                        uniform(rng, p.out(c) * p.in(c), (float) (1 / Math.sqrt(p.in(c))))));
            }
        }
        tensors.add(ones("model.norm.weight", c.dim()));
        if (!c.tiedEmbeddings()) {
            tensors.add(new SafetensorsWriter.Entry("lm_head.weight", new long[] {c.vocabSize(), c.dim()},
                    uniform(rng, c.vocabSize() * c.dim(), (float) (1 / Math.sqrt(c.dim())))));
        }
        new SafetensorsWriter(DType.F32).write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }

    /** A rank-{@code rank} adapter on {@code targets}, A and B uniform in ±0.05, scale 2. */
    public static LoraAdapter adapter(String name, ModelConfig c, int rank, Set<Projection> targets, RandomGenerator rng) {
        LoraWeights[][] w = new LoraWeights[c.nLayers()][Projection.values().length];
        for (int l = 0; l < c.nLayers(); l++) {
            for (Projection p : targets) {
                w[l][p.ordinal()] = new LoraWeights(
                        Matrix.of(uniform(rng, rank * p.in(c), 0.05f), rank, p.in(c)),
                        Matrix.of(uniform(rng, p.out(c) * rank, 0.05f), p.out(c), rank));
            }
        }
        return new LoraAdapter(name, rank, 2f * rank, 2f, c, w);
    }

    private static SafetensorsWriter.Entry ones(String name, int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return new SafetensorsWriter.Entry(name, new long[] {n}, v);
    }

    private static float[] uniform(RandomGenerator rng, int n, float amp) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * amp);
        }
        return v;
    }
}
