package dev.flywheel.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.batching.TestAdapters;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.SafetensorsWriter;
import dev.flywheel.kernels.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Writes a complete Hugging Face model directory with seeded random weights: a byte-level tokenizer
 * (256 byte tokens, no merges, specials &lt;|bos|&gt;=256 and &lt;|eos|&gt;=257) and a tiny chat template.
 */
final class TinyModelDir {
    static final int VOCAB = 258;
    static final int BOS = 256;
    static final int EOS = 257;
    static final ModelConfig CONFIG = new ModelConfig(32, 64, 2, 4, 2, VOCAB, 96, 10000f, 1e-5f, true, BOS, EOS);

    private TinyModelDir() {}

    static Path write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode();
        config.putArray("architectures").add("LlamaForCausalLM");
        config.put("model_type", "llama");
        config.put("hidden_size", CONFIG.dim());
        config.put("intermediate_size", CONFIG.hiddenDim());
        config.put("num_hidden_layers", CONFIG.nLayers());
        config.put("num_attention_heads", CONFIG.nHeads());
        config.put("num_key_value_heads", CONFIG.nKvHeads());
        config.put("vocab_size", VOCAB);
        config.put("max_position_embeddings", CONFIG.maxSeqLen());
        config.put("rope_theta", CONFIG.ropeTheta());
        config.put("rms_norm_eps", CONFIG.rmsEps());
        config.put("tie_word_embeddings", true);
        config.put("bos_token_id", BOS);
        config.put("eos_token_id", EOS);
        config.put("hidden_act", "silu");
        config.put("torch_dtype", "float32");
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());

        RandomGenerator rng = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        List<SafetensorsWriter.Entry> tensors = new ArrayList<>();
        tensors.add(new SafetensorsWriter.Entry("model.embed_tokens.weight", new long[] {VOCAB, CONFIG.dim()},
                TestAdapters.uniform(rng, VOCAB * CONFIG.dim(), 1f)));
        for (int l = 0; l < CONFIG.nLayers(); l++) {
            tensors.add(ones("model.layers." + l + ".input_layernorm.weight"));
            tensors.add(ones("model.layers." + l + ".post_attention_layernorm.weight"));
            for (Projection p : Projection.values()) {
                int out = p.out(CONFIG);
                int in = p.in(CONFIG);
                tensors.add(new SafetensorsWriter.Entry(p.weightName(l), new long[] {out, in},
                        TestAdapters.uniform(rng, out * in, (float) (1 / Math.sqrt(in)))));
            }
        }
        tensors.add(ones("model.norm.weight"));
        new SafetensorsWriter(DType.F32).write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));

        ObjectNode tokenizer = json.createObjectNode();
        ObjectNode model = tokenizer.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        int[] byteToChar = gpt2ByteToUnicode();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf((char) byteToChar[b]), b);
        }
        model.putArray("merges");
        var added = tokenizer.putArray("added_tokens");
        added.addObject().put("id", BOS).put("content", "<|bos|>").put("special", true);
        added.addObject().put("id", EOS).put("content", "<|eos|>").put("special", true);
        tokenizer.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        tokenizer.putObject("decoder").put("type", "ByteLevel");
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer.toPrettyString());

        ObjectNode tokenizerConfig = json.createObjectNode();
        tokenizerConfig.put("bos_token", "<|bos|>");
        tokenizerConfig.put("eos_token", "<|eos|>");
        tokenizerConfig.put("chat_template", "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                + "{% if add_generation_prompt %}<|assistant|>{% endif %}");
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig.toPrettyString());
        return dir;
    }

    /** Writes a rank-4 PEFT adapter for the tiny model. */
    static Path writeAdapter(Path dir, String name, long seed) {
        TestAdapters.random(name, CONFIG, 4, 0.3f, seed).save(dir, "tiny");
        return dir;
    }

    private static SafetensorsWriter.Entry ones(String name) {
        float[] v = new float[CONFIG.dim()];
        Arrays.fill(v, 1f);
        return new SafetensorsWriter.Entry(name, new long[] {CONFIG.dim()}, v);
    }

    /** GPT-2's reversible byte → printable character table. */
    private static int[] gpt2ByteToUnicode() {
        int[] table = new int[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? b : 256 + n++;
        }
        return table;
    }
}
