package dev.flywheel.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The shape of a Llama-architecture decoder, as read from a Hugging Face config.json.
 * dim = hidden_size, hiddenDim = intermediate_size (the MLP width), nKvHeads < nHeads for
 * grouped-query attention. Token ids bosToken / eosToken are -1 when the config has none.
 */
public record ModelConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                          int maxSeqLen, float ropeTheta, float rmsEps, boolean tiedEmbeddings, int bosToken, int eosToken) {

    private static final Set<String> SUPPORTED_TORCH_DTYPES = Set.of("float32", "bfloat16", "float16");

    public ModelConfig {
        positive("dim", dim);
        positive("hiddenDim", hiddenDim);
        positive("nLayers", nLayers);
        positive("nHeads", nHeads);
        positive("nKvHeads", nKvHeads);
        positive("vocabSize", vocabSize);
        positive("maxSeqLen", maxSeqLen);
        if (dim % nHeads != 0 || (dim / nHeads) % 2 != 0) {
            throw new IllegalArgumentException("dim must be a multiple of nHeads with an even head size, got dim="
                    + dim + " nHeads=" + nHeads);
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("nHeads must be a multiple of nKvHeads, got nHeads=" + nHeads + " nKvHeads=" + nKvHeads);
        }
        if (!(ropeTheta > 0) || Float.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("ropeTheta must be a finite positive number, got " + ropeTheta);
        }
        if (!(rmsEps > 0) || Float.isInfinite(rmsEps)) {
            throw new IllegalArgumentException("rmsEps must be a finite positive number, got " + rmsEps);
        }
        if (bosToken < -1 || bosToken >= vocabSize) {
            throw new IllegalArgumentException("bosToken must be -1 or in [0, " + vocabSize + "), got " + bosToken);
        }
        if (eosToken < -1 || eosToken >= vocabSize) {
            throw new IllegalArgumentException("eosToken must be -1 or in [0, " + vocabSize + "), got " + eosToken);
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    /** Size of one attention head: dim / nHeads. */
    public int headDim() { return dim / nHeads; }

    /** Width of K and V per token: nKvHeads * headDim. */
    public int kvDim() { return nKvHeads * headDim(); }

    /**
     * Reads a Hugging Face config.json. Only {@code LlamaForCausalLM} is supported; any other
     * architecture, a rope_scaling section, or a head_dim other than hidden_size / heads fails with a
     * {@link ModelFormatException} naming it.
     */
    public static ModelConfig read(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new ModelFormatException(configJson, "cannot read config.json: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(configJson, "config.json must be a JSON object");
        }
        JsonNode arch = root.get("architectures");
        String architecture = arch != null && arch.isArray() && arch.size() == 1 ? arch.get(0).asText()
                : String.valueOf(arch);
        if (!"LlamaForCausalLM".equals(architecture)) {
            throw new ModelFormatException(configJson, "unsupported architecture " + architecture
                    + " (field 'architectures'); only LlamaForCausalLM is supported");
        }
        JsonNode dtype = root.get("torch_dtype");
        if (dtype != null && !dtype.isNull() && !SUPPORTED_TORCH_DTYPES.contains(dtype.asText())) {
            throw new ModelFormatException(configJson, "unsupported torch_dtype " + dtype.asText() + " (supported: " + SUPPORTED_TORCH_DTYPES + ")");
        }
        JsonNode scaling = root.get("rope_scaling");
        if (scaling != null && !scaling.isNull()) {
            throw new ModelFormatException(configJson, "rope_scaling " + scaling + " is not supported");
        }
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelFormatException(configJson, "unsupported hidden_act " + act + " (expected silu)");
        }
        int dim = requiredInt(configJson, root, "hidden_size");
        int nHeads = requiredInt(configJson, root, "num_attention_heads");
        if (root.hasNonNull("head_dim") && nHeads > 0 && root.get("head_dim").asInt() * nHeads != dim) {
            throw new ModelFormatException(configJson, "head_dim " + root.get("head_dim").asInt()
                    + " is not hidden_size / num_attention_heads; decoupled head sizes are not supported");
        }
        try {
            return new ModelConfig(
                    dim,
                    requiredInt(configJson, root, "intermediate_size"),
                    requiredInt(configJson, root, "num_hidden_layers"),
                    nHeads,
                    root.hasNonNull("num_key_value_heads") ? requiredInt(configJson, root, "num_key_value_heads") : nHeads,
                    requiredInt(configJson, root, "vocab_size"),
                    root.hasNonNull("max_position_embeddings") ? requiredInt(configJson, root, "max_position_embeddings") : 2048,
                    (float) root.path("rope_theta").asDouble(10000.0),
                    (float) root.path("rms_norm_eps").asDouble(1e-6),
                    root.path("tie_word_embeddings").asBoolean(false),
                    tokenId(root.get("bos_token_id")),
                    tokenId(root.get("eos_token_id")));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configJson, e.getMessage(), e);
        }
    }

    private static int requiredInt(Path file, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ModelFormatException(file, "field '" + field + "' is required and must be an integer, got " + n);
        }
        return n.asInt();
    }

    /** bos/eos may be absent, an int, or a list (Llama 3 lists several eos ids; the first is used). */
    private static int tokenId(JsonNode n) {
        if (n == null || n.isNull()) {
            return -1;
        }
        if (n.isArray()) {
            return n.isEmpty() ? -1 : n.get(0).asInt();
        }
        return n.asInt();
    }
}
