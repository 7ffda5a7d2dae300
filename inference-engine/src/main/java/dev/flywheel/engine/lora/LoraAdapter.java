package dev.flywheel.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.ModelFormatException;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.FloatCodec;
import dev.flywheel.engine.safetensors.SafetensorsFile;
import dev.flywheel.engine.safetensors.SafetensorsWriter;
import dev.flywheel.engine.safetensors.Tensor;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter for one base model: per layer and targeted projection a pair A: [r, in],
 * B: [out, r], applied as W x + scale · B (A x) with scale = lora_alpha / r (lora_alpha / sqrt(r)
 * with use_rslora). {@link #load} copies the weights onto the heap as float32, so an adapter stays
 * valid after its files are gone and needs no closing; unloading is dropping the reference. The
 * serving engine keeps its resident adapters as {@link #storedAs storedAs(BF16)}: half the bytes (a
 * rank-8 q,v adapter of the dim-288 bench model is 110 KB instead of 221 KB), with each weight rounded
 * to bfloat16 (relative error <= 2^-9) while activations and accumulation stay float32.
 */
public final class LoraAdapter {
    private static final Pattern KEY = Pattern.compile(
            "(?:^|\\.)layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(\\w+_proj)\\.lora_([AB])(?:\\.default)?\\.weight$");

    private final String name;
    private final int rank;
    private final float alpha;
    private final float scale;
    private final ModelConfig base;
    private final Set<Projection> targets;
    /** [layer][projection ordinal]; null where the projection is not targeted. */
    private final LoraWeights[][] weights;

    /**
     * @param weights [layer][Projection.ordinal()], null entries for untargeted projections; every
     *                non-null pair must have rank {@code rank} and the base projection's shape.
     */
    public LoraAdapter(String name, int rank, float alpha, float scale, ModelConfig base, LoraWeights[][] weights) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        if (rank <= 0) {
            throw new IllegalArgumentException("rank must be > 0, got " + rank);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
        if (weights.length != base.nLayers()) {
            throw new IllegalArgumentException("weights must have one row per layer (" + base.nLayers() + "), got " + weights.length);
        }
        EnumSet<Projection> targets = EnumSet.noneOf(Projection.class);
        LoraWeights[][] copy = new LoraWeights[weights.length][];
        for (int l = 0; l < weights.length; l++) {
            if (weights[l].length != Projection.values().length) {
                throw new IllegalArgumentException("weights[" + l + "] must have one entry per projection");
            }
            copy[l] = weights[l].clone();
            for (Projection p : Projection.values()) {
                LoraWeights w = copy[l][p.ordinal()];
                if (w == null) {
                    continue;
                }
                String where = "layer " + l + " " + p.moduleName();
                if (w.rank() != rank) {
                    throw new IllegalArgumentException(where + ": rank must be " + rank + ", got " + w.rank());
                }
                if (w.a().cols() != p.in(base) || w.b().rows() != p.out(base)) {
                    throw new IllegalArgumentException(where + ": expected A [" + rank + ", " + p.in(base) + "] and B ["
                            + p.out(base) + ", " + rank + "], got A [" + w.a().rows() + ", " + w.a().cols() + "] and B ["
                            + w.b().rows() + ", " + w.b().cols() + "]");
                }
                targets.add(p);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("adapter " + name + " has no LoRA weights");
        }
        this.name = name;
        this.rank = rank;
        this.alpha = alpha;
        this.scale = scale;
        this.base = base;
        this.targets = Set.copyOf(targets);
        this.weights = copy;
    }

    /** Loads a PEFT directory, named after the directory. */
    public static LoraAdapter load(Path peftDir, ModelConfig base) {
        return load(peftDir, base, peftDir.getFileName().toString());
    }

    /** Loads a PEFT directory (adapter_config.json + adapter_model.safetensors) under {@code name}. */
    public static LoraAdapter load(Path peftDir, ModelConfig base, String name) {
        Path configFile = peftDir.resolve("adapter_config.json");
        JsonNode cfg;
        try {
            cfg = new ObjectMapper().readTree(Files.readString(configFile));
        } catch (IOException e) {
            throw new ModelFormatException(configFile, "cannot read adapter config: " + e.getMessage(), e);
        }
        if (cfg == null || !cfg.isObject()) {
            throw new ModelFormatException(configFile, "adapter config must be a JSON object");
        }
        String peftType = cfg.path("peft_type").asText("LORA");
        if (!peftType.equals("LORA")) {
            throw new ModelFormatException(configFile, "unsupported peft_type " + peftType + " (expected LORA)");
        }
        if (!cfg.path("r").isIntegralNumber() || cfg.get("r").asInt() <= 0) {
            throw new ModelFormatException(configFile, "field 'r' is required and must be a positive integer, got " + cfg.get("r"));
        }
        int r = cfg.get("r").asInt();
        if (!cfg.path("lora_alpha").isNumber()) {
            throw new ModelFormatException(configFile, "field 'lora_alpha' is required and must be a number, got " + cfg.get("lora_alpha"));
        }
        float alpha = (float) cfg.get("lora_alpha").asDouble();
        if (cfg.path("fan_in_fan_out").asBoolean(false)) {
            throw new ModelFormatException(configFile, "fan_in_fan_out=true is not supported");
        }
        String bias = cfg.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new ModelFormatException(configFile, "bias=" + bias + " is not supported (expected none)");
        }
        JsonNode modulesToSave = cfg.get("modules_to_save");
        if (modulesToSave != null && !modulesToSave.isNull() && !modulesToSave.isEmpty()) {
            throw new ModelFormatException(configFile, "modules_to_save " + modulesToSave + " is not supported");
        }
        if (cfg.hasNonNull("rank_pattern") && !cfg.get("rank_pattern").isEmpty()
                || cfg.hasNonNull("alpha_pattern") && !cfg.get("alpha_pattern").isEmpty()) {
            throw new ModelFormatException(configFile, "per-module rank_pattern / alpha_pattern are not supported");
        }
        float scale = cfg.path("use_rslora").asBoolean(false) ? alpha / (float) Math.sqrt(r) : alpha / r;

        Path weightsFile = peftDir.resolve("adapter_model.safetensors");
        LoraWeights[][] weights = new LoraWeights[base.nLayers()][Projection.values().length];
        float[][][][] pairs = new float[base.nLayers()][Projection.values().length][2][];
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            for (String key : file.names()) {
                Matcher m = KEY.matcher(key);
                if (!m.find()) {
                    throw new ModelFormatException(weightsFile, "unexpected tensor " + key + " (expected ...layers.N.<block>.<proj>.lora_A|B.weight)");
                }
                int layer = Integer.parseInt(m.group(1));
                Projection p = Projection.byModuleName(m.group(2));
                if (p == null || layer >= base.nLayers()) {
                    throw new ModelFormatException(weightsFile, "tensor " + key + " targets no module of the base model ("
                            + base.nLayers() + " layers)");
                }
                Tensor t = file.tensor(key);
                boolean isA = m.group(3).equals("A");
                long[] want = isA ? new long[] {r, p.in(base)} : new long[] {p.out(base), r};
                if (!java.util.Arrays.equals(t.shape(), want)) {
                    throw new ModelFormatException(weightsFile, "tensor " + key + " has shape " + java.util.Arrays.toString(t.shape())
                            + ", expected " + java.util.Arrays.toString(want));
                }
                pairs[layer][p.ordinal()][isA ? 0 : 1] = t.toFloatArray();
            }
        }
        for (int l = 0; l < base.nLayers(); l++) {
            for (Projection p : Projection.values()) {
                float[][] pair = pairs[l][p.ordinal()];
                if (pair[0] == null && pair[1] == null) {
                    continue;
                }
                if (pair[0] == null || pair[1] == null) {
                    throw new ModelFormatException(weightsFile, "layer " + l + " " + p.moduleName() + " has lora_"
                            + (pair[0] == null ? "B without lora_A" : "A without lora_B"));
                }
                weights[l][p.ordinal()] = new LoraWeights(Matrix.of(pair[0], r, p.in(base)), Matrix.of(pair[1], p.out(base), r));
            }
        }
        try {
            return new LoraAdapter(name, r, alpha, scale, base, weights);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(weightsFile, e.getMessage(), e);
        }
    }

    /**
     * This adapter with every A and B re-encoded as {@code dtype} (round to nearest even) in heap
     * segments; the same name, rank, alpha and scale. Storing as F32 copies exactly.
     */
    public LoraAdapter storedAs(DType dtype) {
        LoraWeights[][] converted = new LoraWeights[weights.length][];
        for (int l = 0; l < weights.length; l++) {
            converted[l] = new LoraWeights[weights[l].length];
            for (int p = 0; p < weights[l].length; p++) {
                LoraWeights w = weights[l][p];
                converted[l][p] = w == null ? null : new LoraWeights(encode(w.a(), dtype), encode(w.b(), dtype));
            }
        }
        return new LoraAdapter(name, rank, alpha, scale, base, converted);
    }

    private static Matrix encode(Matrix m, DType dtype) {
        float[] values = FloatCodec.toFloatArray(m);
        if (dtype == DType.F32) {
            return Matrix.of(values, m.rows(), m.cols());
        }
        MemorySegment data = MemorySegment.ofArray(new short[values.length]);
        for (int i = 0; i < values.length; i++) {
            FloatCodec.write(data, dtype, i, values[i]);
        }
        return new Matrix(data, dtype, m.rows(), m.cols());
    }

    /** Writes this adapter as a PEFT directory (adapter_config.json + adapter_model.safetensors, F32). */
    public void save(Path peftDir, String baseModelName) {
        try {
            Files.createDirectories(peftDir);
            ObjectNode cfg = new ObjectMapper().createObjectNode();
            cfg.put("peft_type", "LORA");
            cfg.put("base_model_name_or_path", baseModelName);
            cfg.put("r", rank);
            cfg.put("lora_alpha", alpha);
            cfg.put("lora_dropout", 0.0);
            cfg.put("bias", "none");
            cfg.put("task_type", "CAUSAL_LM");
            cfg.put("fan_in_fan_out", false);
            var mods = cfg.putArray("target_modules");
            targets.stream().sorted().forEach(p -> mods.add(p.moduleName()));
            Files.writeString(peftDir.resolve("adapter_config.json"), cfg.toPrettyString());
        } catch (IOException e) {
            throw new ModelFormatException(peftDir, "cannot write adapter: " + e.getMessage(), e);
        }
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (int l = 0; l < weights.length; l++) {
            for (Projection p : Projection.values()) {
                LoraWeights w = weights[l][p.ordinal()];
                if (w == null) {
                    continue;
                }
                String prefix = "base_model.model." + p.weightName(l).replace(".weight", "");
                entries.add(new SafetensorsWriter.Entry(prefix + ".lora_A.weight", new long[] {w.a().rows(), w.a().cols()}, floats(w.a())));
                entries.add(new SafetensorsWriter.Entry(prefix + ".lora_B.weight", new long[] {w.b().rows(), w.b().cols()}, floats(w.b())));
            }
        }
        new SafetensorsWriter(DType.F32).write(peftDir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
    }

    private static float[] floats(Matrix m) {
        return FloatCodec.toFloatArray(m);
    }

    public String name() { return name; }

    public int rank() { return rank; }

    public float alpha() { return alpha; }

    /** The factor applied to B·A: lora_alpha / r (or / sqrt(r) with rsLoRA). */
    public float scale() { return scale; }

    public Set<Projection> targets() { return targets; }

    /** True when this adapter's shapes fit {@code model} (same layers and widths as its base). */
    public boolean fits(ModelConfig model) {
        return model.nLayers() == base.nLayers() && model.dim() == base.dim()
                && model.hiddenDim() == base.hiddenDim() && model.kvDim() == base.kvDim();
    }

    /** The pair for a layer's projection, or null when the adapter does not target it. */
    public LoraWeights weights(int layer, Projection projection) {
        return weights[layer][projection.ordinal()];
    }

    /** Bytes held by the adapter's weights (A and B of every targeted projection, in their stored dtype). */
    public long bytes() {
        long total = 0;
        for (LoraWeights[] layer : weights) {
            for (LoraWeights w : layer) {
                if (w != null) {
                    total += w.a().data().byteSize() + w.b().data().byteSize();
                }
            }
        }
        return total;
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + name + ", r=" + rank + ", scale=" + scale + ", targets=" + targets + "]";
    }

}
