package dev.flywheel.engine;

import dev.flywheel.kernels.DType;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The engine's configuration ("flywheel.engine.*" properties, for example FLYWHEEL_ENGINE_MAX_BATCH in
 * the environment). Invalid values fail start-up with the property name and what was expected. The
 * HTTP port is Micronaut's {@code micronaut.server.port} (8000 by default, set by
 * {@link EngineApplication}); {@code flywheel.engine.enabled=false} switches every engine bean off
 * (the one-JVM launcher does that in the other services' contexts).
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
 * @param matmulThreads       threads splitting the rows of each large matmul; 0 means one per available processor
 * @param matmulPartsPerThread parts each split (a matmul's weight rows, attention's query rows) is cut into per thread:
 *                            1 (the default) streams each thread's weights in one piece, fastest on a machine the
 *                            engine has to itself; 4 bounds the wait for a thread preempted mid-part on a shared one
 * @param adapterDtype        how resident LoRA weights are stored: "bf16" (half the memory) or "f32" (exact)
 */
@ConfigurationProperties("flywheel.engine")
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
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
        @Bindable(defaultValue = "0") int matmulThreads,
        @Bindable(defaultValue = "1") int matmulPartsPerThread,
        @Bindable(defaultValue = "bf16") String adapterDtype) {

    public EngineConfig {
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("flywheel.engine.model-dir must be an existing model directory, got " + modelDir
                    + (modelDir == null ? "" : " (" + modelDir.toAbsolutePath() + ")"));
        }
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            if (!Files.isRegularFile(modelDir.resolve(file))) {
                throw new IllegalArgumentException("flywheel.engine.model-dir " + modelDir + " must contain " + file);
            }
        }
        servedModelName = servedModelName == null || servedModelName.isBlank()
                ? modelDir.toAbsolutePath().normalize().getFileName().toString() : servedModelName;
        atLeast("flywheel.engine.max-batch", maxBatch, 1);
        atLeast("flywheel.engine.kv-blocks", kvBlocks, 1);
        atLeast("flywheel.engine.block-size", blockSize, 1);
        atLeast("flywheel.engine.max-resident-adapters", maxResidentAdapters, 1);
        atLeast("flywheel.engine.queue-bound", queueBound, 1);
        atLeast("flywheel.engine.max-prefill-tokens", maxPrefillTokens, 1);
        atLeast("flywheel.engine.matmul-threads", matmulThreads, 0);
        atLeast("flywheel.engine.matmul-parts-per-thread", matmulPartsPerThread, 1);
        if (adapterDtype == null || !adapterDtype.matches("bf16|f32")) {
            throw new IllegalArgumentException("flywheel.engine.adapter-dtype must be bf16 or f32, got " + adapterDtype);
        }
        if (kernels == null || !kernels.matches("best|scalar|vector|native|cuda")) {
            throw new IllegalArgumentException("flywheel.engine.kernels must be best, scalar, vector, native or cuda, got " + kernels);
        }
    }

    /** The element type resident adapters are stored in. */
    public DType residentAdapterDtype() {
        return adapterDtype.equals("bf16") ? DType.BF16 : DType.F32;
    }

    private static void atLeast(String property, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(property + " must be >= " + min + ", got " + value);
        }
    }
}
