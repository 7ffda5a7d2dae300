package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matmul loops of {@link VectorKernels}. Weights are decoded 4 rows at a time into a float
 * block (from F32, BF16 or F16, native or heap memory) and the register tiles then read only that
 * heap block, so the hot loops see a single element type and a single memory kind: mixing dtypes in
 * one process (BF16 base weights, F32 LoRA weights) never de-optimises them. The block is 4 * cols
 * floats (4.5 KiB for cols 288), so it stays in L1 while every batch row is multiplied with it,
 * and the weights themselves are still streamed from memory exactly once per call.
 */
final class MatmulTiles {
    private MatmulTiles() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Half-width shorts: one 16-bit weight per float lane. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    private static final int L = F.length();
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Rows of W decoded per block. */
    static final int BLOCK_ROWS = 4;

    /**
     * Decodes rows [r, r + nr) of w into blk[0, nr * cols) and zeroes the rest of blk, so that callers
     * may always run full-block loops.
     */
    static void decode(Matrix w, int r, int nr, float[] blk) {
        int cols = w.cols();
        MemorySegment seg = w.data();
        long first = (long) r * cols;
        int n = nr * cols;
        switch (w.dtype()) {
            case F32 -> MemorySegment.copy(seg, F32_LE, first * 4, blk, 0, n);
            case BF16 -> decodeBf16(seg, first, blk, n);
            case F16 -> decodeF16(seg, first, blk, n);
        }
        java.util.Arrays.fill(blk, n, blk.length, 0f);
    }

    private static void decodeBf16(MemorySegment seg, long first, float[] blk, int n) {
        int end = F.loopBound(n);
        int i = 0;
        for (; i < end; i += L) {
            ((IntVector) ShortVector.fromMemorySegment(S, seg, (first + i) * 2, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(blk, i);
        }
        for (; i < n; i++) {
            blk[i] = Float.intBitsToFloat((seg.get(I16_LE, (first + i) * 2) & 0xffff) << 16);
        }
    }

    /** F16 decodes with the scalar Float.float16ToFloat, which HotSpot compiles to the F16C instruction. */
    private static void decodeF16(MemorySegment seg, long first, float[] blk, int n) {
        for (int i = 0; i < n; i++) {
            blk[i] = Float.float16ToFloat(seg.get(I16_LE, (first + i) * 2));
        }
    }

    private static void put(float[] y, int i, float v, float alpha, boolean acc) {
        y[i] = acc ? y[i] + alpha * v : alpha * v;
    }

    /** y[b..b+3, r..r+3] from the decoded block: each weight vector serves 4 batch rows. */
    static void rows4batch4(float[] y, int yOff, float[] x, int xOff, float[] blk, int ldy, int cols, int r, int b,
                            float alpha, boolean acc) {
        int end = F.loopBound(cols);
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = xOff + b * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < end; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, blk, c);
            FloatVector v1 = FloatVector.fromArray(F, blk, w1 + c);
            FloatVector v2 = FloatVector.fromArray(F, blk, w2 + c);
            FloatVector v3 = FloatVector.fromArray(F, blk, w3 + c);
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a00 = v0.fma(u, a00);
            a10 = v1.fma(u, a10);
            a20 = v2.fma(u, a20);
            a30 = v3.fma(u, a30);
            u = FloatVector.fromArray(F, x, x1 + c);
            a01 = v0.fma(u, a01);
            a11 = v1.fma(u, a11);
            a21 = v2.fma(u, a21);
            a31 = v3.fma(u, a31);
            u = FloatVector.fromArray(F, x, x2 + c);
            a02 = v0.fma(u, a02);
            a12 = v1.fma(u, a12);
            a22 = v2.fma(u, a22);
            a32 = v3.fma(u, a32);
            u = FloatVector.fromArray(F, x, x3 + c);
            a03 = v0.fma(u, a03);
            a13 = v1.fma(u, a13);
            a23 = v2.fma(u, a23);
            a33 = v3.fma(u, a33);
        }
        if (end < cols) {
            // leftover columns as one masked step (masked-off lanes read as zero)
            VectorMask<Float> m = F.indexInRange(end, cols);
            FloatVector v0 = FloatVector.fromArray(F, blk, end, m);
            FloatVector v1 = FloatVector.fromArray(F, blk, w1 + end, m);
            FloatVector v2 = FloatVector.fromArray(F, blk, w2 + end, m);
            FloatVector v3 = FloatVector.fromArray(F, blk, w3 + end, m);
            FloatVector u = FloatVector.fromArray(F, x, x0 + end, m);
            a00 = v0.fma(u, a00);
            a10 = v1.fma(u, a10);
            a20 = v2.fma(u, a20);
            a30 = v3.fma(u, a30);
            u = FloatVector.fromArray(F, x, x1 + end, m);
            a01 = v0.fma(u, a01);
            a11 = v1.fma(u, a11);
            a21 = v2.fma(u, a21);
            a31 = v3.fma(u, a31);
            u = FloatVector.fromArray(F, x, x2 + end, m);
            a02 = v0.fma(u, a02);
            a12 = v1.fma(u, a12);
            a22 = v2.fma(u, a22);
            a32 = v3.fma(u, a32);
            u = FloatVector.fromArray(F, x, x3 + end, m);
            a03 = v0.fma(u, a03);
            a13 = v1.fma(u, a13);
            a23 = v2.fma(u, a23);
            a33 = v3.fma(u, a33);
        }
        float[] s = {
                a00.reduceLanes(VectorOperators.ADD), a01.reduceLanes(VectorOperators.ADD),
                a02.reduceLanes(VectorOperators.ADD), a03.reduceLanes(VectorOperators.ADD),
                a10.reduceLanes(VectorOperators.ADD), a11.reduceLanes(VectorOperators.ADD),
                a12.reduceLanes(VectorOperators.ADD), a13.reduceLanes(VectorOperators.ADD),
                a20.reduceLanes(VectorOperators.ADD), a21.reduceLanes(VectorOperators.ADD),
                a22.reduceLanes(VectorOperators.ADD), a23.reduceLanes(VectorOperators.ADD),
                a30.reduceLanes(VectorOperators.ADD), a31.reduceLanes(VectorOperators.ADD),
                a32.reduceLanes(VectorOperators.ADD), a33.reduceLanes(VectorOperators.ADD)};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                put(y, yOff + (b + j) * ldy + r + i, s[i * 4 + j], alpha, acc);
            }
        }
    }

    /** y[b, r..r+nr) for nr <= 4 from the decoded block (rows past nr are zero and not stored). */
    static void rows4batch1(float[] y, int yOff, float[] x, int xOff, float[] blk, int ldy, int cols, int r, int nr,
                            int b, float alpha, boolean acc) {
        int end = F.loopBound(cols);
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = xOff + b * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < end; c += L) {
            FloatVector u = FloatVector.fromArray(F, x, x0 + c);
            a0 = FloatVector.fromArray(F, blk, c).fma(u, a0);
            a1 = FloatVector.fromArray(F, blk, w1 + c).fma(u, a1);
            a2 = FloatVector.fromArray(F, blk, w2 + c).fma(u, a2);
            a3 = FloatVector.fromArray(F, blk, w3 + c).fma(u, a3);
        }
        if (end < cols) {
            VectorMask<Float> m = F.indexInRange(end, cols);
            FloatVector u = FloatVector.fromArray(F, x, x0 + end, m);
            a0 = FloatVector.fromArray(F, blk, end, m).fma(u, a0);
            a1 = FloatVector.fromArray(F, blk, w1 + end, m).fma(u, a1);
            a2 = FloatVector.fromArray(F, blk, w2 + end, m).fma(u, a2);
            a3 = FloatVector.fromArray(F, blk, w3 + end, m).fma(u, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        int o = yOff + b * ldy + r;
        put(y, o, s0, alpha, acc);
        if (nr > 1) {
            put(y, o + 1, s1, alpha, acc);
        }
        if (nr > 2) {
            put(y, o + 2, s2, alpha, acc);
        }
        if (nr > 3) {
            put(y, o + 3, s3, alpha, acc);
        }
    }

    /**
     * matmul for narrow weights (cols <= L, e.g. the [out, rank] B matrix of a LoRA adapter): L rows
     * are decoded and transposed into L-lane columns, so each batch row costs cols FMAs for L outputs
     * instead of L horizontal sums.
     */
    static void narrow(float[] y, int yOff, int ldy, float[] x, int xOff, int batch, Matrix w, float alpha, boolean acc) {
        int rows = w.rows();
        int cols = w.cols();
        float[] rowBlk = new float[L * cols];
        float[] colBlk = new float[cols * L];
        // gather map: column k of the block, lane l <- rowBlk[l * cols + k]
        int[] columnIndex = new int[cols * L];
        for (int k = 0; k < cols; k++) {
            for (int l = 0; l < L; l++) {
                columnIndex[k * L + l] = l * cols + k;
            }
        }
        FloatVector scale = FloatVector.broadcast(F, alpha);
        for (int r = 0; r < rows; r += L) {
            int nr = Math.min(L, rows - r);
            decode(w, r, nr, rowBlk);
            for (int k = 0; k < cols; k++) {
                FloatVector.fromArray(F, rowBlk, 0, columnIndex, k * L).intoArray(colBlk, k * L);
            }
            for (int b = 0; b < batch; b++) {
                int xb = xOff + b * cols;
                FloatVector s = FloatVector.zero(F);
                for (int k = 0; k < cols; k++) {
                    s = FloatVector.fromArray(F, colBlk, k * L).fma(FloatVector.broadcast(F, x[xb + k]), s);
                }
                int o = yOff + b * ldy + r;
                s = s.mul(scale);
                if (nr == L) {
                    (acc ? s.add(FloatVector.fromArray(F, y, o)) : s).intoArray(y, o);
                } else {
                    // the last, partial block: masked loads/stores are slow outside AVX-512, so spill
                    for (int l = 0; l < nr; l++) {
                        y[o + l] = acc ? y[o + l] + s.lane(l) : s.lane(l);
                    }
                }
            }
        }
    }

    /** Lanes of the float vectors in use: weights at most this wide take {@link #narrow}. */
    static int lanes() {
        return L;
    }

    /**
     * dx[b, :] += sum_{i<4} dy[b, r+i] * W[r+i, :] for every batch row, from the decoded block (rows
     * past nr are zero, and their dy is never read).
     */
    static void transposedBlock(float[] dx, float[] dy, int batch, float[] blk, int rows, int cols, int r, int nr) {
        int end = F.loopBound(cols);
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        for (int b = 0; b < batch; b++) {
            int d = b * rows + r;
            float e0 = dy[d];
            float e1 = nr > 1 ? dy[d + 1] : 0f;
            float e2 = nr > 2 ? dy[d + 2] : 0f;
            float e3 = nr > 3 ? dy[d + 3] : 0f;
            FloatVector d0 = FloatVector.broadcast(F, e0);
            FloatVector d1 = FloatVector.broadcast(F, e1);
            FloatVector d2 = FloatVector.broadcast(F, e2);
            FloatVector d3 = FloatVector.broadcast(F, e3);
            int o = b * cols;
            int c = 0;
            for (; c < end; c += L) {
                FloatVector acc = FloatVector.fromArray(F, dx, o + c);
                acc = FloatVector.fromArray(F, blk, c).fma(d0, acc);
                acc = FloatVector.fromArray(F, blk, w1 + c).fma(d1, acc);
                acc = FloatVector.fromArray(F, blk, w2 + c).fma(d2, acc);
                acc = FloatVector.fromArray(F, blk, w3 + c).fma(d3, acc);
                acc.intoArray(dx, o + c);
            }
            for (; c < cols; c++) {
                dx[o + c] += blk[c] * e0 + blk[w1 + c] * e1 + blk[w2 + c] * e2 + blk[w3 + c] * e3;
            }
        }
    }
}
