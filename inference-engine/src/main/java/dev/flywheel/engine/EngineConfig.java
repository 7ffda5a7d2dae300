package dev.flywheel.engine;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The engine's configuration ("engine.*" properties, for example ENGINE_MAX_BATCH in the environment).
 * Invalid values fail start-up with the property name and what was expected.
 *
 * @param modelDir            Hugging Face directory: config.json, model.safetensors, tokenizer.json, tokenizer_config.json
 * @param servedModelName     model name of the base model in the API; empty means the directory name
 * @param maxBatch            most sequences per engine step
 * @param kvBlocks            KV cache blocks (K and V for every layer are allocated up front)
 * @param blockSize           token slots per KV block (the prefix-cache granularity)
 * @param maxResidentAdapters LoRA adapters held in memory (least recently used beyond it are evicted)
 * @param queueBound          requests waiting for admission before new ones get 429
 * @param maxPrefillTokens    prompt tokens admitted per engine step
 * @param kernels             "best", "scalar", "vector", "native" or "cuda"
 * @param port                HTTP port (-1 picks a free one)
 */
@ConfigurationProperties("engine")
public record EngineConfig(
        @Bindable(defaultValue = "models/arith-tiny") Path modelDir,
        @Bindable(defaultValue = "") String servedModelName,
        @Bindable(defaultValue = "32") int maxBatch,
        @Bindable(defaultValue = "4096") int kvBlocks,
        @Bindable(defaultValue = "16") int blockSize,
        @Bindable(defaultValue = "8") int maxResidentAdapters,
        @Bindable(defaultValue = "256") int queueBound,
        @Bindable(defaultValue = "2048") int maxPrefillTokens,
        @Bindable(defaultValue = "best") String kernels,
        @Bindable(defaultValue = "8090") int port) {

    public EngineConfig {
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("engine.model-dir must be an existing model directory, got " + modelDir
                    + (modelDir == null ? "" : " (" + modelDir.toAbsolutePath() + ")"));
        }
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            if (!Files.isRegularFile(modelDir.resolve(file))) {
                throw new IllegalArgumentException("engine.model-dir " + modelDir + " must contain " + file);
            }
        }
        servedModelName = servedModelName == null || servedModelName.isBlank()
                ? modelDir.toAbsolutePath().normalize().getFileName().toString() : servedModelName;
        atLeast("engine.max-batch", maxBatch, 1);
        atLeast("engine.kv-blocks", kvBlocks, 1);
        atLeast("engine.block-size", blockSize, 1);
        atLeast("engine.max-resident-adapters", maxResidentAdapters, 1);
        atLeast("engine.queue-bound", queueBound, 1);
        atLeast("engine.max-prefill-tokens", maxPrefillTokens, 1);
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("engine.port must be -1 (any free port) or 0-65535, got " + port);
        }
        if (kernels == null || !kernels.matches("best|scalar|vector|native|cuda")) {
            throw new IllegalArgumentException("engine.kernels must be best, scalar, vector, native or cuda, got " + kernels);
        }
    }

    private static void atLeast(String property, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(property + " must be >= " + min + ", got " + value);
        }
    }
}
