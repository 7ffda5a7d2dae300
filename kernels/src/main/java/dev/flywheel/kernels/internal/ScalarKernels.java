package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

/**
 * The plain scalar reference: the obvious loops, float32 accumulation in index order. Every faster
 * implementation is tested against this one; keep it simple rather than fast.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void matmul(float[] y, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, x, batch, w);
        matmul(y, 0, w.rows(), x, batch, w);
    }

    @Override
    public void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, yOff, ldy, x, batch, w);
        int rows = w.rows();
        int cols = w.cols();
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                float acc = 0f;
                long base = (long) r * cols;
                for (int c = 0; c < cols; c++) {
                    acc += x[b * cols + c] * w.element(base + c);
                }
                y[yOff + b * ldy + r] = acc;
            }
        }
    }

    @Override
    public void matmulTransposedAccumulate(float[] dx, float[] dy, int batch, Matrix w) {
        ShapeChecks.matmulTransposed(dx, dy, batch, w);
        int rows = w.rows();
        int cols = w.cols();
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < cols; c++) {
                float acc = 0f;
                for (int r = 0; r < rows; r++) {
                    acc += dy[b * rows + r] * w.element((long) r * cols + c);
                }
                dx[b * cols + c] += acc;
            }
        }
    }

    @Override
    public void loraSgmv(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out) {
        ShapeChecks.lora(y, x, segStart, adapters, scale, in, out);
        for (int s = 0; s < adapters.length; s++) {
            LoraWeights lw = adapters[s];
            if (lw == null) {
                continue;
            }
            int rank = lw.rank();
            float[] t = new float[rank];
            for (int i = segStart[s]; i < segStart[s + 1]; i++) {
                for (int k = 0; k < rank; k++) {
                    float acc = 0f;
                    for (int c = 0; c < in; c++) {
                        acc += lw.a().element((long) k * in + c) * x[i * in + c];
                    }
                    t[k] = acc;
                }
                for (int o = 0; o < out; o++) {
                    float acc = 0f;
                    for (int k = 0; k < rank; k++) {
                        acc += lw.b().element((long) o * rank + k) * t[k];
                    }
                    y[i * out + o] += scale[s] * acc;
                }
            }
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, xOff, n);
        ShapeChecks.range("out", out, outOff, n);
        ShapeChecks.range("weight", weight, 0, n);
        float ss = 0f;
        for (int i = 0; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[i];
        }
    }

    @Override
    public void rope(float[] x, int off, int nHeads, int headDim, int pos, float theta) {
        RopeTable table = new RopeTable(headDim, pos, theta);
        ShapeChecks.range("x", x, off, (long) nHeads * headDim);
        int half = headDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float x0 = x[base + i];
                float x1 = x[base + i + half];
                x[base + i] = x0 * table.cos()[i] - x1 * table.sin()[i];
                x[base + i + half] = x0 * table.sin()[i] + x1 * table.cos()[i];
            }
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int off, int n) {
        ShapeChecks.swiglu(gate, up, off, n);
        for (int i = off; i < off + n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, off, n);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
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
        float[] scores = new float[seqLen];
        for (int h = 0; h < nHeads; h++) {
            int kvOff = (h / group) * headDim;
            int qh = qOff + h * headDim;
            for (int p = 0; p < seqLen; p++) {
                int slot = blockTable[p / blockSize] * blockSize + p % blockSize;
                int kb = slot * kvDim + kvOff;
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot += q[qh + d] * kCache[kb + d];
                }
                scores[p] = dot * scale;
            }
            softmax(scores, 0, seqLen);
            int oh = outOff + h * headDim;
            for (int d = 0; d < headDim; d++) {
                out[oh + d] = 0f;
            }
            for (int p = 0; p < seqLen; p++) {
                int slot = blockTable[p / blockSize] * blockSize + p % blockSize;
                int vb = slot * kvDim + kvOff;
                float a = scores[p];
                for (int d = 0; d < headDim; d++) {
                    out[oh + d] += a * vCache[vb + d];
                }
            }
        }
    }
}
