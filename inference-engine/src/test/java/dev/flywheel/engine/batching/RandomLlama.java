package dev.flywheel.engine.batching;

import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.LlamaWeights;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.FloatCodec;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.Matrix;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/** A Llama model with seeded uniform random weights held on the heap (no files). */
public final class RandomLlama {
    private RandomLlama() {}

    public static LlamaModel build(ModelConfig c, long seed, Kernels kernels) {
        return build(c, seed, kernels, DType.F32, 1);
    }

    /** Weights stored as {@code dtype} (rounded from the same float32 draws), forward split across {@code threads}. */
    public static LlamaModel build(ModelConfig c, long seed, Kernels kernels, DType dtype, int threads) {
        return build(c, seed, kernels, dtype, threads, 1);
    }

    /** As {@link #build(ModelConfig, long, Kernels, DType, int)} with {@code partsPerThread} parts per thread in each split. */
    public static LlamaModel build(ModelConfig c, long seed, Kernels kernels, DType dtype, int threads, int partsPerThread) {
        RandomGenerator rng = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        Matrix embedding = matrix(rng, c.vocabSize(), c.dim(), 1.0f);
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < c.nLayers(); l++) {
            List<Matrix> projections = new ArrayList<>();
            for (Projection p : Projection.values()) {
                projections.add(matrix(rng, p.out(c), p.in(c), (float) (1.0 / Math.sqrt(p.in(c)))));
            }
            layers.add(new LlamaWeights.Layer(ones(c.dim()), ones(c.dim()), projections));
        }
        Matrix head = c.tiedEmbeddings() ? embedding : matrix(rng, c.vocabSize(), c.dim(), (float) (1.0 / Math.sqrt(c.dim())));
        LlamaWeights weights = new LlamaWeights(embedding, layers, ones(c.dim()), head);
        return new LlamaModel(c, dtype == DType.F32 ? weights : storedAs(weights, dtype), kernels, () -> { }, threads, partsPerThread);
    }

    private static LlamaWeights storedAs(LlamaWeights w, DType dtype) {
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (LlamaWeights.Layer layer : w.layers()) {
            layers.add(new LlamaWeights.Layer(layer.attentionNorm(), layer.mlpNorm(),
                    layer.projections().stream().map(m -> encode(m, dtype)).toList()));
        }
        Matrix embedding = encode(w.embedding(), dtype);
        return new LlamaWeights(embedding, layers, w.finalNorm(), w.lmHead() == w.embedding() ? embedding : encode(w.lmHead(), dtype));
    }

    private static Matrix encode(Matrix m, DType dtype) {
        MemorySegment data = MemorySegment.ofArray(new short[m.rows() * m.cols()]);
        for (int i = 0; i < m.rows() * m.cols(); i++) {
            FloatCodec.write(data, dtype, i, m.element(i));
        }
        return new Matrix(data, dtype, m.rows(), m.cols());
    }

    private static Matrix matrix(RandomGenerator rng, int rows, int cols, float amp) {
        return Matrix.of(TestAdapters.uniform(rng, rows * cols, amp), rows, cols);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return v;
    }
}
