package dev.flywheel.engine.model;

import dev.flywheel.engine.model.internal.RowParallel;
import dev.flywheel.engine.model.internal.StepForward;
import dev.flywheel.engine.safetensors.SafetensorsException;
import dev.flywheel.engine.safetensors.SafetensorsFile;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.Matrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Llama-architecture decoder (RMSNorm, RoPE, grouped-query attention over a paged KV cache, SwiGLU
 * MLP, tied or untied output) with per-sequence LoRA adapters. Weights stay memory-mapped; closing
 * the model unmaps them and stops its worker threads. {@link #forward} is safe to call from one
 * thread at a time per KV cache; large matmuls and attention are split by rows across
 * {@code threads} threads (results are bit-identical to one thread), and activation buffers are
 * reused between steps.
 */
public final class LlamaModel implements AutoCloseable {
    private final ModelConfig config;
    private final LlamaWeights weights;
    private final Kernels kernels;
    private final AutoCloseable storage;
    private final RowParallel rows;
    private final StepForward step;

    /** As {@link #LlamaModel(ModelConfig, LlamaWeights, Kernels, AutoCloseable, int)} with one thread per available processor. */
    public LlamaModel(ModelConfig config, LlamaWeights weights, Kernels kernels, AutoCloseable storage) {
        this(config, weights, kernels, storage, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Wraps weights already in memory (tests, trainer); {@code storage} is closed with the model.
     *
     * @param threads threads splitting each large matmul and attention by rows (>= 1; 1 = the caller only)
     */
    public LlamaModel(ModelConfig config, LlamaWeights weights, Kernels kernels, AutoCloseable storage, int threads) {
        this(config, weights, kernels, storage, new RowParallel(threads));
    }

    /** As {@link #LlamaModel(ModelConfig, LlamaWeights, Kernels, AutoCloseable, int)}, {@code partsPerThread} parts per thread in each split. */
    public LlamaModel(ModelConfig config, LlamaWeights weights, Kernels kernels, AutoCloseable storage, int threads, int partsPerThread) {
        this(config, weights, kernels, storage, new RowParallel(threads, partsPerThread));
    }

    private LlamaModel(ModelConfig config, LlamaWeights weights, Kernels kernels, AutoCloseable storage, RowParallel rows) {
        this.config = Objects.requireNonNull(config, "config");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.storage = Objects.requireNonNull(storage, "storage");
        weights.validate(config);
        this.rows = rows;
        this.step = new StepForward(config, weights, kernels, rows);
    }

    /**
     * Loads a Hugging Face directory: config.json (LlamaForCausalLM) and model.safetensors (F32, BF16
     * or F16, memory-mapped). Throws {@link ModelFormatException} naming the file and what is wrong.
     */
    public static LlamaModel load(Path hfDir, Kernels kernels) {
        return load(hfDir, kernels, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #load(Path, Kernels)}, splitting large matmuls and attention across {@code threads} threads. */
    public static LlamaModel load(Path hfDir, Kernels kernels, int threads) {
        return load(hfDir, kernels, threads, RowParallel.DEFAULT_PARTS_PER_THREAD);
    }

    /**
     * As {@link #load(Path, Kernels, int)}, each split cut into {@code partsPerThread} parts per thread (more parts:
     * less waiting on a preempted thread, more cold starts on the weights).
     */
    public static LlamaModel load(Path hfDir, Kernels kernels, int threads, int partsPerThread) {
        RowParallel rows = new RowParallel(threads, partsPerThread); // checks both before any file is read
        try {
            return load(hfDir, kernels, rows);
        } catch (RuntimeException e) {
            rows.close();
            throw e;
        }
    }

    private static LlamaModel load(Path hfDir, Kernels kernels, RowParallel rows) {
        ModelConfig config = ModelConfig.read(hfDir.resolve("config.json"));
        Path file = hfDir.resolve("model.safetensors");
        SafetensorsFile st;
        try {
            st = SafetensorsFile.open(file);
        } catch (SafetensorsException e) {
            throw new ModelFormatException(file, e.getMessage(), e);
        }
        try {
            Matrix embedding = st.tensor("model.embed_tokens.weight").matrix();
            List<LlamaWeights.Layer> layers = new ArrayList<>();
            for (int l = 0; l < config.nLayers(); l++) {
                List<Matrix> projections = new ArrayList<>();
                for (Projection p : Projection.values()) {
                    projections.add(st.tensor(p.weightName(l)).matrix());
                }
                layers.add(new LlamaWeights.Layer(
                        st.tensor("model.layers." + l + ".input_layernorm.weight").toFloatArray(),
                        st.tensor("model.layers." + l + ".post_attention_layernorm.weight").toFloatArray(),
                        projections));
            }
            float[] finalNorm = st.tensor("model.norm.weight").toFloatArray();
            Matrix lmHead = config.tiedEmbeddings() ? embedding
                    : st.find("lm_head.weight").orElseThrow(() -> new ModelFormatException(file,
                            "tensor lm_head.weight is missing and config.json has tie_word_embeddings=false")).matrix();
            return new LlamaModel(config, new LlamaWeights(embedding, layers, finalNorm, lmHead), kernels, st, rows);
        } catch (SafetensorsException | IllegalArgumentException e) {
            st.close();
            throw new ModelFormatException(file, e.getMessage(), e);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    public ModelConfig config() { return config; }

    public LlamaWeights weights() { return weights; }

    public Kernels kernels() { return kernels; }

    /** Threads each large matmul is split across. */
    public int threads() { return rows.threads(); }

    /** Parts each split is cut into per thread (see {@link #load(Path, Kernels, int, int)}). */
    public int partsPerThread() { return rows.partsPerThread(); }

    /** Bytes of weights read per decoded token (every matrix once, lm_head included). */
    public long weightBytes() {
        long total = 0;
        for (LlamaWeights.Layer layer : weights.layers()) {
            for (Matrix m : layer.projections()) {
                total += (long) m.rows() * m.cols() * m.dtype().bytes();
            }
        }
        return total + (long) weights.lmHead().rows() * weights.lmHead().cols() * weights.lmHead().dtype().bytes();
    }

    /**
     * Writes K/V of the fed tokens into kv, and returns logits [numSequences, vocabSize] of each
     * sequence's LAST fed token.
     */
    public float[] forward(StepBatch batch, KvCache kv) {
        return step.run(batch, kv, null);
    }

    /**
     * As {@link #forward(StepBatch, KvCache)}, writing the logits into {@code reuse} when it holds at
     * least batch.size() * vocabSize floats (and returning it), else into a new array. A serving loop
     * hands back the previous step's array: batch 32 of a 32000-token vocabulary is 4 MB a step.
     */
    public float[] forward(StepBatch batch, KvCache kv, float[] reuse) {
        return step.run(batch, kv, reuse);
    }

    /**
     * Runs {@code range} over [0, n) split across this model's forward threads (idle between passes), for
     * work that is independent per row, such as the scheduler's greedy argmax; returns when every part is done.
     * {@code model::splitRows} is the scheduler's {@link RowSplitter}.
     */
    public void splitRows(int n, RowSplitter.Range range) {
        rows.split(n, 1, (from, to, part) -> range.run(from, to));
    }

    @Override
    public void close() {
        rows.close();
        try {
            storage.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing model storage failed", e);
        }
    }

}
