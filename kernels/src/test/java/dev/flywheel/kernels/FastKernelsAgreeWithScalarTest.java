package dev.flywheel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fast implementation that can run here against the scalar reference on seeded random inputs
 * with odd sizes, every dtype, heap and off-heap weights.
 *
 * <p>Tolerances. The implementations sum in different orders, so a dot product may differ by a few
 * float roundings of its terms: matmul and LoRA must agree within {@value #DOT_TOL} times the sum of
 * absolute products (sum_c |x_c * w_c|, computed with the reference on |x| and |W|), which is about
 * 170 ulps of that sum; elementwise ops (rmsnorm, rope, softmax, swiglu) within {@value #ELEM_TOL} relative
 * plus 1e-7 absolute; attention (inputs in [-1, 1]) within {@value #ATTN_TOL} absolute.
 */
class FastKernelsAgreeWithScalarTest {
    static final double DOT_TOL = 1e-5;
    static final double ELEM_TOL = 2e-6;
    static final double ATTN_TOL = 2e-5;

    private static final int[] ODD = {1, 3, 17, 33, 257};
    private final Kernels ref = Kernels.scalar();

    static Stream<String> implementations() {
        return BuildEnvironment.fastImplementations().stream();
    }

    private static void assertWithin(float[] expected, float[] actual, float[] bound, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            double allowed = tol * bound[i] + 1e-7;
            if (!(Math.abs(expected[i] - actual[i]) <= allowed)) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i] + " (allowed " + allowed + ")");
            }
        }
    }

    /** Every element with exactly the same bits (-0.0 and NaN payloads included). */
    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ": element " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void matmulMatchesReferenceOnOddShapesAndEveryDtype(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : DType.values()) {
                for (int rows : ODD) {
                    // 8 and 16: the exact widths of the special and single-vector paths (rank-8/16 LoRA B)
                    for (int cols : new int[]{1, 3, 8, 16, 17, 33, 257}) {
                        Matrix w = TestMatrices.random(random, rows, cols, dtype, (rows + cols) % 2 == 0 ? arena : null);
                        for (int batch : new int[]{1, 5, 32}) {
                            float[] x = TestMatrices.uniform(random, batch * cols, -1, 1);
                            float[] expected = new float[batch * rows];
                            ref.matmul(expected, x, batch, w);
                            float[] bound = new float[batch * rows];
                            ref.matmul(bound, TestMatrices.abs(x), batch, TestMatrices.abs(w));
                            float[] actual = new float[batch * rows];
                            Arrays.fill(actual, Float.NaN);
                            k.matmul(actual, x, batch, w);
                            assertWithin(expected, actual, bound, DOT_TOL,
                                    name + " matmul " + dtype + " [" + rows + "x" + cols + "] batch " + batch);
                        }
                    }
                }
            }
        }
    }

    /**
     * The strided matmul (W's outputs as columns [yOff, yOff + rows) of batch rows of ldy floats):
     * within the matmul tolerance of the reference, and every other element of y untouched.
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void stridedMatmulMatchesReferenceAndLeavesOtherColumnsAlone(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(18);
        for (DType dtype : DType.values()) {
            for (int rows : new int[]{1, 5, 17, 36}) {
                for (int cols : new int[]{3, 8, 17, 257}) {
                    Matrix w = TestMatrices.random(random, rows, cols, dtype, null);
                    for (int batch : new int[]{1, 5, 32}) {
                        int yOff = random.nextInt(4);
                        int ldy = yOff + rows + random.nextInt(6);
                        float[] x = TestMatrices.uniform(random, batch * cols, -1, 1);
                        float[] expected = new float[batch * rows];
                        ref.matmul(expected, x, batch, w);
                        float[] bound = new float[batch * rows];
                        ref.matmul(bound, TestMatrices.abs(x), batch, TestMatrices.abs(w));
                        float[] y = new float[batch * ldy + 2];
                        Arrays.fill(y, Float.NaN);
                        k.matmul(y, yOff, ldy, x, batch, w);
                        String what = name + " strided matmul " + dtype + " [" + rows + "x" + cols + "] batch " + batch
                                + " yOff " + yOff + " ldy " + ldy;
                        float[] actual = new float[batch * rows];
                        for (int i = 0; i < y.length; i++) {
                            int b = (i - yOff) / ldy;
                            int r = (i - yOff) % ldy;
                            boolean inside = i >= yOff && b < batch && r < rows;
                            if (inside) {
                                actual[b * rows + r] = y[i];
                            } else if (!Float.isNaN(y[i])) {
                                fail(what + ": element " + i + " outside the output columns was written");
                            }
                        }
                        assertWithin(expected, actual, bound, DOT_TOL, what);
                    }
                }
            }
        }
    }

    /** The engine's row-split matmul writes parts through the strided call: the same bits as one call. */
    @ParameterizedTest
    @MethodSource("nativeImplementations")
    void nativeStridedPartsEqualTheWholeMatmulBitForBit(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(19);
        for (DType dtype : DType.values()) {
            int rows = 100;
            int cols = 288;
            Matrix w = TestMatrices.random(random, rows, cols, dtype, null);
            for (int batch : new int[]{1, 7, 32}) {
                float[] x = TestMatrices.uniform(random, batch * cols, -1, 1);
                float[] whole = new float[batch * rows];
                k.matmul(whole, x, batch, w);
                float[] parts = new float[batch * rows];
                int[] cuts = {0, 16, 48, 52, rows};
                for (int p = 0; p + 1 < cuts.length; p++) {
                    int n = cuts[p + 1] - cuts[p];
                    Matrix part = new Matrix(w.data().asSlice(cuts[p] * w.rowBytes(), n * w.rowBytes()), dtype, n, cols);
                    k.matmul(parts, cuts[p], rows, x, batch, part);
                }
                assertSameBits(whole, parts, name + " " + dtype + " batch " + batch);
            }
        }
    }

    /**
     * The engine prepares a projection's input once, 64-byte aligned, for all its row-split parts: the
     * native matmul over that prepared input gives the array form's bits, aligned or not, whole vectors
     * or not, below and above the batch from which inputs are copied. (The Vector API kernels, through
     * the interface's default, are not compared bit for bit: their lane reductions may round
     * differently once C2 compiles them.)
     */
    @ParameterizedTest
    @MethodSource("nativeImplementations")
    void matmulOverAPreparedInputEqualsTheArrayFormBitForBit(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(23);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : DType.values()) {
                for (int cols : new int[]{288, 17, 768}) {
                    int rows = 40;
                    Matrix w = TestMatrices.random(random, rows, cols, dtype, null);
                    for (int batch : new int[]{1, 7, 8, 32, 33}) {
                        float[] x = TestMatrices.uniform(random, batch * cols, -1, 1);
                        for (long shift : new long[]{0, 4}) { // 64-byte aligned, and 4 bytes past it
                            MemorySegment seg = arena.allocate(batch * cols * 4L + shift, 64).asSlice(shift);
                            MemorySegment.copy(x, 0, seg, ValueLayout.JAVA_FLOAT, 0, batch * cols);
                            Matrix input = new Matrix(seg, DType.F32, batch, cols);
                            int ldy = rows + 3;
                            float[] expected = new float[batch * ldy];
                            float[] actual = new float[batch * ldy];
                            k.matmul(expected, 2, ldy, x, batch, w);
                            k.matmul(actual, 2, ldy, input, w);
                            assertSameBits(expected, actual, name + " " + dtype + " cols " + cols + " batch " + batch + " shift " + shift);
                        }
                    }
                }
            }
        }
    }

    static Stream<String> nativeImplementations() {
        return BuildEnvironment.fastImplementations().stream().filter(n -> n.startsWith("native"));
    }

    /**
     * The engine's batch determinism rests on this: a row's output is bit-identical whatever batch it
     * is in and wherever in the batch (native batches from 8 rows on run on aligned copies, and the
     * 4-row tiles reduce in vector registers whether a tile holds 1 or 4 batch rows).
     */
    @ParameterizedTest
    @MethodSource("nativeImplementations")
    void nativeMatmulRowsAreBitIdenticalAtEveryBatchSize(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(17);
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : DType.values()) {
                for (int[] shape : new int[][]{{288, 288}, {37, 300}, {64, 17}, {20, 16}}) {
                    int rows = shape[0];
                    int cols = shape[1];
                    Matrix w = TestMatrices.random(random, rows, cols, dtype, rows % 2 == 0 ? arena : null);
                    int batch = 33;
                    float[] x = TestMatrices.uniform(random, batch * cols, -1, 1);
                    float[] whole = new float[batch * rows];
                    k.matmul(whole, x, batch, w);
                    for (int b = 0; b < batch; b++) {
                        float[] one = new float[rows];
                        k.matmul(one, Arrays.copyOfRange(x, b * cols, (b + 1) * cols), 1, w);
                        assertSameBits(Arrays.copyOfRange(whole, b * rows, (b + 1) * rows), one,
                                name + " " + dtype + " [" + rows + "x" + cols + "] row " + b + " alone vs in a batch of " + batch);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void matmulTransposedAccumulateMatchesReference(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(12);
        for (DType dtype : DType.values()) {
            for (int rows : ODD) {
                for (int cols : new int[]{1, 17, 33, 257}) {
                    Matrix w = TestMatrices.random(random, rows, cols, dtype, null);
                    for (int batch : new int[]{1, 3, 8}) {
                        float[] dy = TestMatrices.uniform(random, batch * rows, -1, 1);
                        float[] start = TestMatrices.uniform(random, batch * cols, -1, 1);
                        float[] expected = start.clone();
                        ref.matmulTransposedAccumulate(expected, dy, batch, w);
                        float[] bound = TestMatrices.abs(start);
                        ref.matmulTransposedAccumulate(bound, TestMatrices.abs(dy), batch, TestMatrices.abs(w));
                        float[] actual = start.clone();
                        k.matmulTransposedAccumulate(actual, dy, batch, w);
                        assertWithin(expected, actual, bound, DOT_TOL,
                                name + " matmulTransposedAccumulate " + dtype + " [" + rows + "x" + cols + "] batch " + batch);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void loraSgmvMatchesReferenceWithNullAdaptersAndSeveralSegments(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] io : new int[][]{{17, 33}, {33, 17}, {288, 768}, {3, 1}}) {
                int in = io[0];
                int out = io[1];
                for (int rank : new int[]{1, 4, 8, 16}) {
                    LoraWeights f32 = new LoraWeights(TestMatrices.random(random, rank, in, DType.F32, null),
                            TestMatrices.random(random, out, rank, DType.F32, null));
                    LoraWeights bf16 = new LoraWeights(TestMatrices.random(random, rank, in, DType.BF16, arena),
                            TestMatrices.random(random, out, rank, DType.BF16, arena));
                    // segments of 2, 0, 5, 1, 3, 1 rows: f32, f32 (empty), null, bf16, null, f32
                    int[] segStart = {0, 2, 2, 7, 8, 11, 12};
                    LoraWeights[] adapters = {f32, f32, null, bf16, null, f32};
                    float[] scale = {2f, 1f, 9f, 0.25f, 3f, -1f};
                    int n = segStart[segStart.length - 1];
                    float[] x = TestMatrices.uniform(random, n * in, -1, 1);
                    float[] y0 = TestMatrices.uniform(random, n * out, -1, 1);
                    float[] expected = y0.clone();
                    ref.loraSgmv(expected, x, segStart, adapters, scale, in, out);
                    float[] bound = TestMatrices.abs(y0);
                    LoraWeights[] absAdapters = Arrays.stream(adapters)
                            .map(a -> a == null ? null : new LoraWeights(TestMatrices.abs(a.a()), TestMatrices.abs(a.b())))
                            .toArray(LoraWeights[]::new);
                    ref.loraSgmv(bound, TestMatrices.abs(x), segStart, absAdapters, TestMatrices.abs(scale), in, out);
                    float[] actual = y0.clone();
                    k.loraSgmv(actual, x, segStart, adapters, scale, in, out);
                    assertWithin(expected, actual, bound, DOT_TOL, name + " loraSgmv in " + in + " out " + out + " rank " + rank);
                    for (int i = 2 * out; i < 7 * out; i++) {
                        assertEquals(y0[i], actual[i], name + ": rows of a null-adapter segment stay untouched");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void rmsnormRopeAndSoftmaxMatchReference(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(14);
        for (int n : new int[]{1, 3, 17, 33, 257, 1000}) {
            float[] x = TestMatrices.uniform(random, n + 5, -3, 3);
            float[] weight = TestMatrices.uniform(random, n, -2, 2);
            float[] expected = new float[n + 2];
            float[] actual = new float[n + 2];
            ref.rmsnorm(expected, 2, x, 5, weight, n, 1e-5f);
            k.rmsnorm(actual, 2, x, 5, weight, n, 1e-5f);
            assertWithin(expected, actual, TestMatrices.abs(expected), ELEM_TOL, name + " rmsnorm n " + n);

            float[] logits = TestMatrices.uniform(random, n + 1, -30, 30);
            logits[1 + random.nextInt(n)] = Float.NEGATIVE_INFINITY; // a masked entry: exactly 0 after softmax
            logits[1 + random.nextInt(n)] = 500f;
            float[] sExpected = logits.clone();
            float[] sActual = logits.clone();
            ref.softmax(sExpected, 1, n);
            k.softmax(sActual, 1, n);
            assertWithin(sExpected, sActual, TestMatrices.abs(sExpected), ELEM_TOL, name + " softmax n " + n);
        }
        for (int headDim : new int[]{2, 6, 34, 48, 64, 130}) {
            for (int pos : new int[]{0, 1, 17, 4095}) {
                int nHeads = 3;
                float[] x = TestMatrices.uniform(random, 1 + nHeads * headDim, -2, 2);
                float[] expected = x.clone();
                float[] actual = x.clone();
                ref.rope(expected, 1, nHeads, headDim, pos, 10000f);
                k.rope(actual, 1, nHeads, headDim, pos, 10000f);
                assertWithin(expected, actual, TestMatrices.abs(x), ELEM_TOL, name + " rope headDim " + headDim + " pos " + pos);
            }
        }
    }

    /**
     * Gates over [-90, 90] (beyond float exp's range on both sides, where e^-g overflows or vanishes)
     * and typical ones over [-8, 8]; the fast exps are polynomial or SVML, so within {@value #ELEM_TOL}
     * of silu(g) * up, not bit-equal. Native: every element also equals its value from a call over that
     * element alone, since the engine's batch determinism needs a split of the range not to change it
     * (the Vector API's results change once C2 compiles it, so it makes no such promise).
     */
    @ParameterizedTest
    @MethodSource("implementations")
    void swigluMatchesReferenceAndDoesNotDependOnTheRangeSplit(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(16);
        for (int n : new int[]{0, 1, 3, 7, 8, 9, 17, 33, 257, 1000}) {
            for (double span : new double[]{8, 90}) {
                float[] gate = TestMatrices.uniform(random, n + 3, -span, span);
                float[] up = TestMatrices.uniform(random, n + 3, -2, 2);
                float[] expected = gate.clone();
                float[] actual = gate.clone();
                ref.swiglu(expected, up, 3, n);
                k.swiglu(actual, up, 3, n);
                assertWithin(expected, actual, TestMatrices.abs(expected), ELEM_TOL, name + " swiglu n " + n + " span " + span);
                for (int i = 0; i < 3; i++) {
                    assertEquals(gate[i], actual[i], name + ": elements before off stay untouched");
                }
                for (int i = 3; name.equals("native") && i < n + 3; i++) {
                    float[] one = {gate[i]};
                    k.swiglu(one, new float[] {up[i]}, 0, 1);
                    assertEquals(one[0], actual[i], name + " swiglu element " + i + " of " + n + " vs alone");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void pagedGqaAttentionMatchesReferenceOverSeveralBlocksAndBlockSizes(String name) {
        Kernels k = BuildEnvironment.create(name);
        SplittableRandom random = new SplittableRandom(15);
        int[][] heads = {{1, 1}, {4, 2}, {6, 6}, {6, 2}, {8, 1}};
        for (int[] h : heads) {
            for (int headDim : new int[]{3, 16, 48, 64}) {
                for (int blockSize : new int[]{1, 4, 16}) {
                    // 700: 6 or 8 heads x 700 scores pass native's 4096 on the stack (its malloc path)
                    for (int seqLen : new int[]{1, 5, 33, 100, 700}) {
                        int kvDim = h[1] * headDim;
                        int blocks = (seqLen + blockSize - 1) / blockSize;
                        int cacheBlocks = blocks + 3;
                        // a shuffled block table: positions live in scattered, non-monotonic blocks
                        List<Integer> ids = new ArrayList<>();
                        for (int b = 0; b < cacheBlocks; b++) {
                            ids.add(b);
                        }
                        java.util.Collections.shuffle(ids, new java.util.Random(random.nextLong()));
                        int[] table = ids.subList(0, blocks).stream().mapToInt(Integer::intValue).toArray();
                        float[] kc = TestMatrices.uniform(random, cacheBlocks * blockSize * kvDim, -1, 1);
                        float[] vc = TestMatrices.uniform(random, cacheBlocks * blockSize * kvDim, -1, 1);
                        float[] q = TestMatrices.uniform(random, 2 + h[0] * headDim, -1, 1);
                        float[] expected = new float[1 + h[0] * headDim];
                        float[] actual = new float[1 + h[0] * headDim];
                        ref.attention(expected, 1, q, 2, kc, vc, table, blockSize, seqLen, h[0], h[1], headDim);
                        k.attention(actual, 1, q, 2, kc, vc, table, blockSize, seqLen, h[0], h[1], headDim);
                        float[] ones = new float[expected.length];
                        Arrays.fill(ones, 1f);
                        assertWithin(expected, actual, ones, ATTN_TOL, name + " attention heads " + h[0] + "/" + h[1]
                                + " headDim " + headDim + " blockSize " + blockSize + " seqLen " + seqLen);
                    }
                }
            }
        }
    }
}
