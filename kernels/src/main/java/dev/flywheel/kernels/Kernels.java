package dev.flywheel.kernels;

/**
 * The hot numeric operations of the engine and the trainer. Every implementation (scalar reference,
 * Vector API, native C through FFM, CUDA) must agree with {@link #scalar()} within the tolerance its
 * tests state. Activations are float32 heap arrays, row-major; weights are {@link Matrix}.
 *
 * <p>Shapes use [batch, features] for activations. "Overwrites" means the output range is fully
 * written; "accumulates" means it is added to.
 */
public interface Kernels {

    /** Short name used in logs and metrics ("scalar", "vector", "native", "cuda"). */
    String name();

    /** y[b, r] = sum_c x[b, c] * W[r, c]; x: [batch, W.cols], y: [batch, W.rows]. Overwrites y. */
    void matmul(float[] y, float[] x, int batch, Matrix w);

    /**
     * As {@link #matmul(float[], float[], int, Matrix)} into columns [yOff, yOff + W.rows) of a wider
     * output of batch rows of ldy floats: y[yOff + b * ldy + r] = sum_c x[b, c] * W[r, c], ldy >=
     * W.rows. Overwrites those elements only, with the values the unstrided call gives, so a matmul
     * split by weight rows can write each part straight into the whole output.
     */
    void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w);

    /**
     * As {@link #matmul(float[], int, int, float[], int, Matrix)} with x a float32 matrix [batch, W.cols]
     * in memory, for an input that several calls share (the row-split parts of one projection): the
     * same values, bit for bit. Where {@link #readsAlignedInputInPlace()}, a 64-byte-aligned x is read
     * where it lies, while the array form copies x into aligned scratch on every call. This default
     * copies x into an array.
     */
    default void matmul(float[] y, int yOff, int ldy, Matrix x, Matrix w) {
        if (x == null || x.dtype() != DType.F32) {
            throw new IllegalArgumentException("x must be a float32 matrix, got " + (x == null ? "null" : x.dtype()));
        }
        if (w != null && x.cols() != w.cols()) {
            throw new IllegalArgumentException("x has " + x.cols() + " columns, w has " + w.cols());
        }
        float[] rows = new float[x.rows() * x.cols()];
        for (int b = 0; b < x.rows(); b++) {
            x.readRow(b, rows, b * x.cols());
        }
        matmul(y, yOff, ldy, rows, x.rows(), w);
    }

    /**
     * True when {@link #matmul(float[], int, int, Matrix, Matrix)} reads a 64-byte-aligned input in
     * place, so a caller running many matmuls over one input gains by preparing it once.
     */
    default boolean readsAlignedInputInPlace() {
        return false;
    }

    /** dx[b, c] += sum_r dy[b, r] * W[r, c]; the backward of {@link #matmul} with respect to x. */
    void matmulTransposedAccumulate(float[] dx, float[] dy, int batch, Matrix w);

    /**
     * Segmented LoRA (SGMV, as in Punica / S-LoRA). Rows of x are grouped into segments
     * [segStart[s], segStart[s+1]); for each segment with a non-null adapter:
     * y[i] += scale[s] * B_s · (A_s · x[i]), where A_s: [rank, in], B_s: [out, rank].
     * x: [n, in], y: [n, out]. Accumulates into y. {@code segStart.length == adapters.length + 1}.
     */
    void loraSgmv(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out);

    /** out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i] for one row of length n. Overwrites out. */
    void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps);

    /**
     * Rotary position embedding in place on [nHeads, headDim] starting at off, at position pos,
     * rotating pairs (i, i + headDim/2) as Llama / Hugging Face do, with the given theta.
     */
    void rope(float[] x, int off, int nHeads, int headDim, int pos, float theta);

    /** Numerically stable softmax in place over x[off, off + n). */
    void softmax(float[] x, int off, int n);

    /**
     * SwiGLU in place: gate[off + i] = silu(gate[off + i]) * up[off + i] for i < n, where
     * silu(g) = g / (1 + e^-g). Elementwise, so any split of a range gives the same values.
     */
    void swiglu(float[] gate, float[] up, int off, int n);

    /**
     * Causal attention of one query token over a paged KV cache with grouped-query heads.
     * q: [nHeads, headDim] at qOff. The cache stores each token's K (and V) as kvDim = nKvHeads *
     * headDim floats at slot index s, i.e. kCache[s * kvDim ...]. Position p of this sequence lives in
     * slot blockTable[p / blockSize] * blockSize + p % blockSize. Attends over positions [0, seqLen).
     * out: [nHeads, headDim] at outOff, overwritten. Scale is 1/sqrt(headDim).
     */
    void attention(float[] out, int outOff, float[] q, int qOff, float[] kCache, float[] vCache,
                   int[] blockTable, int blockSize, int seqLen, int nHeads, int nKvHeads, int headDim);

    /** The plain scalar reference implementation. */
    static Kernels scalar() {
        return new dev.flywheel.kernels.internal.ScalarKernels();
    }

    /**
     * The fastest implementation that can run in this process: "native" (C through FFM) where its
     * library was built and loads, else "vector" where the JVM has jdk.incubator.vector, else
     * "scalar". Logs (System.Logger, INFO) the choice and why each faster one was skipped. CUDA is
     * never chosen here (its binding copies per call); ask for it with {@link #named(String)}.
     */
    static Kernels best() {
        return dev.flywheel.kernels.internal.KernelsSelector.best();
    }

    /**
     * The implementation called {@code name}: "scalar", "vector", "native" or "cuda".
     *
     * @throws IllegalArgumentException    for any other name
     * @throws KernelsUnavailableException when that implementation cannot run here (the message says why)
     */
    static Kernels named(String name) {
        return dev.flywheel.kernels.internal.KernelsSelector.named(name);
    }
}
