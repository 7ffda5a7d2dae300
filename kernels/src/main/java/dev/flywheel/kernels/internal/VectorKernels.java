package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}) at the machine's preferred vector width.
 *
 * <p>matmul decodes 4 weight rows at a time into a float block (see {@link MatmulTiles}) and tiles
 * them against 4 batch rows: each weight vector serves 4 batch rows, each activation vector 4 weight
 * rows; the weights are streamed from memory exactly once per call whatever the batch. Columns that do not fill a vector are finished in scalar code. Summation
 * order differs from the scalar reference (lane-parallel partial sums), so results agree within
 * float rounding, not bit for bit.
 */
public final class VectorKernels implements Kernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final RopeTables ropeTables = new RopeTables();

    /** Why this implementation cannot run here, or null when it can. */
    public static String unavailableReason() {
        if (L < 8) {
            return "preferred vector width is " + F.vectorBitSize() + " bits; the vector kernels need at least 256";
        }
        return null;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void matmul(float[] y, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, x, batch, w);
        gemm(y, 0, w.rows(), x, 0, batch, w, 1f, false);
    }

    @Override
    public void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, yOff, ldy, x, batch, w);
        gemm(y, yOff, ldy, x, 0, batch, w, 1f, false);
    }

    /**
     * y[yOff + b*ldy + r] = (accumulate ? y : 0) + alpha * sum_c x[xOff + b*cols + c] * W[r, c].
     * Shapes already checked by the caller.
     */
    static void gemm(float[] y, int yOff, int ldy, float[] x, int xOff, int batch, Matrix w, float alpha, boolean accumulate) {
        int rows = w.rows();
        int cols = w.cols();
        if (cols <= MatmulTiles.lanes()) {
            MatmulTiles.narrow(y, yOff, ldy, x, xOff, batch, w, alpha, accumulate);
            return;
        }
        float[] blk = new float[MatmulTiles.BLOCK_ROWS * cols];
        for (int r = 0; r < rows; r += MatmulTiles.BLOCK_ROWS) {
            int nr = Math.min(MatmulTiles.BLOCK_ROWS, rows - r);
            MatmulTiles.decode(w, r, nr, blk);
            int b = 0;
            if (nr == MatmulTiles.BLOCK_ROWS) {
                for (; b + 4 <= batch; b += 4) {
                    MatmulTiles.rows4batch4(y, yOff, x, xOff, blk, ldy, cols, r, b, alpha, accumulate);
                }
            }
            for (; b < batch; b++) {
                MatmulTiles.rows4batch1(y, yOff, x, xOff, blk, ldy, cols, r, nr, b, alpha, accumulate);
            }
        }
    }

    @Override
    public void matmulTransposedAccumulate(float[] dx, float[] dy, int batch, Matrix w) {
        ShapeChecks.matmulTransposed(dx, dy, batch, w);
        int rows = w.rows();
        int cols = w.cols();
        float[] blk = new float[MatmulTiles.BLOCK_ROWS * cols];
        for (int r = 0; r < rows; r += MatmulTiles.BLOCK_ROWS) {
            int nr = Math.min(MatmulTiles.BLOCK_ROWS, rows - r);
            MatmulTiles.decode(w, r, nr, blk);
            MatmulTiles.transposedBlock(dx, dy, batch, blk, rows, cols, r, nr);
        }
    }

    @Override
    public void loraSgmv(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out) {
        ShapeChecks.lora(y, x, segStart, adapters, scale, in, out);
        float[] t = new float[0];
        for (int s = 0; s < adapters.length; s++) {
            LoraWeights lw = adapters[s];
            int n = segStart[s + 1] - segStart[s];
            if (lw == null || n == 0) {
                continue;
            }
            int rank = lw.rank();
            if (t.length < n * rank) {
                t = new float[n * rank];
            }
            // t[n, rank] = x_seg · Aᵀ, then y_seg += scale · t · Bᵀ.
            gemm(t, 0, lw.a().rows(), x, segStart[s] * in, n, lw.a(), 1f, false);
            gemm(y, segStart[s] * out, out, t, 0, n, lw.b(), scale[s], true);
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, xOff, n);
        ShapeChecks.range("out", out, outOff, n);
        ShapeChecks.range("weight", weight, 0, n);
        int end = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < end; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            acc = v.fma(v, acc);
        }
        float ss = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        i = 0;
        for (; i < end; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[i];
        }
    }

    @Override
    public void rope(float[] x, int off, int nHeads, int headDim, int pos, float theta) {
        RopeTable table = ropeTables.at(headDim, pos, theta);
        ShapeChecks.range("x", x, off, (long) nHeads * headDim);
        int half = headDim / 2;
        int end = F.loopBound(half);
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            int i = 0;
            for (; i < end; i += L) {
                FloatVector x0 = FloatVector.fromArray(F, x, base + i);
                FloatVector x1 = FloatVector.fromArray(F, x, base + i + half);
                FloatVector c = FloatVector.fromArray(F, table.cos(), i);
                FloatVector s = FloatVector.fromArray(F, table.sin(), i);
                x0.mul(c).sub(x1.mul(s)).intoArray(x, base + i);
                x0.mul(s).add(x1.mul(c)).intoArray(x, base + i + half);
            }
            for (; i < half; i++) {
                float x0 = x[base + i];
                float x1 = x[base + i + half];
                x[base + i] = x0 * table.cos()[i] - x1 * table.sin()[i];
                x[base + i + half] = x0 * table.sin()[i] + x1 * table.cos()[i];
            }
        }
    }

    /** Vector API EXP (SVML where C2 intrinsifies it, within 1 ulp); the tail under a mask, the same lanewise code. */
    @Override
    public void swiglu(float[] gate, float[] up, int off, int n) {
        ShapeChecks.swiglu(gate, up, off, n);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector g = FloatVector.fromArray(F, gate, off + i, m);
            FloatVector e = g.neg().lanewise(VectorOperators.EXP);
            g.div(e.add(1f)).mul(FloatVector.fromArray(F, up, off + i, m)).intoArray(gate, off + i, m);
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, off, n);
        softmaxUnchecked(x, off, n);
    }

    private static void softmaxUnchecked(float[] x, int off, int n) {
        int end = F.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < end; i += L) {
            vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        FloatVector vsum = FloatVector.zero(F);
        i = 0;
        for (; i < end; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (; i < end; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void attention(float[] out, int outOff, float[] q, int qOff, float[] kCache, float[] vCache,
                          int[] blockTable, int blockSize, int seqLen, int nHeads, int nKvHeads, int headDim) {
        ShapeChecks.attention(out, outOff, q, qOff, kCache, vCache, blockTable, blockSize, seqLen, nHeads, nKvHeads, headDim);
        int kvDim = nKvHeads * headDim;
        int group = nHeads / nKvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int end = F.loopBound(headDim);
        float[] scores = new float[seqLen];
        for (int h = 0; h < nHeads; h++) {
            int kvOff = (h / group) * headDim;
            int qh = qOff + h * headDim;
            for (int p = 0; p < seqLen; p++) {
                int kb = (blockTable[p / blockSize] * blockSize + p % blockSize) * kvDim + kvOff;
                FloatVector acc = FloatVector.zero(F);
                int d = 0;
                for (; d < end; d += L) {
                    acc = FloatVector.fromArray(F, q, qh + d).fma(FloatVector.fromArray(F, kCache, kb + d), acc);
                }
                float dot = acc.reduceLanes(VectorOperators.ADD);
                for (; d < headDim; d++) {
                    dot += q[qh + d] * kCache[kb + d];
                }
                scores[p] = dot * scale;
            }
            softmaxUnchecked(scores, 0, seqLen);
            int oh = outOff + h * headDim;
            java.util.Arrays.fill(out, oh, oh + headDim, 0f);
            for (int p = 0; p < seqLen; p++) {
                int vb = (blockTable[p / blockSize] * blockSize + p % blockSize) * kvDim + kvOff;
                float a = scores[p];
                FloatVector av = FloatVector.broadcast(F, a);
                int d = 0;
                for (; d < end; d += L) {
                    FloatVector.fromArray(F, vCache, vb + d).fma(av, FloatVector.fromArray(F, out, oh + d)).intoArray(out, oh + d);
                }
                for (; d < headDim; d++) {
                    out[oh + d] += a * vCache[vb + d];
                }
            }
        }
    }

}
