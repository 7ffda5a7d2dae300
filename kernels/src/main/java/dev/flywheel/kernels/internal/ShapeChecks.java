package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

/**
 * Argument validation shared by every {@link dev.flywheel.kernels.Kernels} implementation, so that a
 * wrong shape fails the same way (IllegalArgumentException naming the argument) whichever
 * implementation is selected, and before any native code can read out of bounds.
 */
final class ShapeChecks {
    private ShapeChecks() {
    }

    static void length(String name, float[] a, long need) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (a.length < need) {
            throw new IllegalArgumentException(name + " needs at least " + need + " floats, has " + a.length);
        }
    }

    static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    static void nonNegative(String name, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        }
    }

    static void matmul(float[] y, float[] x, int batch, Matrix w) {
        if (w == null) {
            throw new IllegalArgumentException("w must not be null");
        }
        nonNegative("batch", batch);
        length("x", x, (long) batch * w.cols());
        length("y", y, (long) batch * w.rows());
    }

    static void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w) {
        stridedOutput(y, yOff, ldy, batch, w);
        length("x", x, (long) batch * w.cols());
    }

    static void matmul(float[] y, int yOff, int ldy, Matrix x, Matrix w) {
        if (x == null || x.dtype() != DType.F32) {
            throw new IllegalArgumentException("x must be a float32 matrix, got " + (x == null ? "null" : x.dtype()));
        }
        stridedOutput(y, yOff, ldy, x.rows(), w);
        if (x.cols() != w.cols()) {
            throw new IllegalArgumentException("x has " + x.cols() + " columns, w has " + w.cols());
        }
    }

    /** w present, and batch rows of ldy >= W.rows floats from yOff, W's outputs in each row's first W.rows. */
    private static void stridedOutput(float[] y, int yOff, int ldy, int batch, Matrix w) {
        if (w == null) {
            throw new IllegalArgumentException("w must not be null");
        }
        nonNegative("batch", batch);
        nonNegative("yOff", yOff);
        if (ldy < w.rows()) {
            throw new IllegalArgumentException("ldy must be >= w.rows() = " + w.rows() + ", got " + ldy);
        }
        length("y", y, batch == 0 ? 0 : yOff + (long) (batch - 1) * ldy + w.rows());
    }

    static void matmulTransposed(float[] dx, float[] dy, int batch, Matrix w) {
        if (w == null) {
            throw new IllegalArgumentException("w must not be null");
        }
        nonNegative("batch", batch);
        length("dy", dy, (long) batch * w.rows());
        length("dx", dx, (long) batch * w.cols());
    }

    /** Returns the number of rows n = segStart[last]. */
    static int lora(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out) {
        if (segStart == null || adapters == null || scale == null) {
            throw new IllegalArgumentException("segStart, adapters and scale must not be null");
        }
        positive("in", in);
        positive("out", out);
        if (segStart.length != adapters.length + 1) {
            throw new IllegalArgumentException("segStart.length must be adapters.length + 1 = " + (adapters.length + 1)
                    + ", got " + segStart.length);
        }
        if (scale.length < adapters.length) {
            throw new IllegalArgumentException("scale needs one entry per segment (" + adapters.length + "), has " + scale.length);
        }
        if (segStart[0] < 0) {
            throw new IllegalArgumentException("segStart[0] must be >= 0, got " + segStart[0]);
        }
        for (int s = 0; s < adapters.length; s++) {
            if (segStart[s + 1] < segStart[s]) {
                throw new IllegalArgumentException("segStart must be non-decreasing, but segStart[" + (s + 1) + "] = "
                        + segStart[s + 1] + " < segStart[" + s + "] = " + segStart[s]);
            }
            LoraWeights a = adapters[s];
            if (a != null && (a.a().cols() != in || a.b().rows() != out)) {
                throw new IllegalArgumentException("adapters[" + s + "] has A [" + a.a().rows() + ", " + a.a().cols()
                        + "] and B [" + a.b().rows() + ", " + a.b().cols() + "], expected A [r, " + in + "] and B [" + out + ", r]");
            }
        }
        int n = segStart[adapters.length];
        length("x", x, (long) n * in);
        length("y", y, (long) n * out);
        return n;
    }

    static void swiglu(float[] gate, float[] up, int off, int n) {
        nonNegative("n", n);
        range("gate", gate, off, n);
        range("up", up, off, n);
    }

    static void range(String name, float[] a, int off, long n) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (off < 0 || off + n > a.length) {
            throw new IllegalArgumentException(name + " range [" + off + ", " + (off + n) + ") is outside its length " + a.length);
        }
    }

    static void attention(float[] out, int outOff, float[] q, int qOff, float[] kCache, float[] vCache,
                          int[] blockTable, int blockSize, int seqLen, int nHeads, int nKvHeads, int headDim) {
        positive("nHeads", nHeads);
        positive("nKvHeads", nKvHeads);
        positive("headDim", headDim);
        positive("blockSize", blockSize);
        positive("seqLen", seqLen);
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("nHeads (" + nHeads + ") must be a multiple of nKvHeads (" + nKvHeads + ")");
        }
        range("q", q, qOff, (long) nHeads * headDim);
        range("out", out, outOff, (long) nHeads * headDim);
        if (blockTable == null) {
            throw new IllegalArgumentException("blockTable must not be null");
        }
        int blocks = (seqLen + blockSize - 1) / blockSize;
        if (blockTable.length < blocks) {
            throw new IllegalArgumentException("blockTable covers " + blockTable.length + " blocks, seqLen " + seqLen
                    + " needs " + blocks);
        }
        long kvDim = (long) nKvHeads * headDim;
        if (kCache == null || vCache == null) {
            throw new IllegalArgumentException("kCache and vCache must not be null");
        }
        for (int b = 0; b < blocks; b++) {
            long end = ((long) blockTable[b] + 1) * blockSize * kvDim;
            if (blockTable[b] < 0 || end > kCache.length || end > vCache.length) {
                throw new IllegalArgumentException("blockTable[" + b + "] = " + blockTable[b]
                        + " is outside the cache (" + kCache.length / (blockSize * kvDim) + " blocks)");
            }
        }
    }
}
