package dev.flywheel.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scalar reference against hand-computed values on tiny inputs. Values are chosen exactly
 * representable in F32, BF16 and F16 so that the matmul results are exact.
 */
class ScalarReferenceTest {
    private final Kernels k = Kernels.scalar();

    // W = [[1, 2, 3], [-1, 0.5, 4]]
    private static final float[] W = {1, 2, 3, -1, 0.5f, 4};

    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulComputesRowDotProductsForEveryDtype(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix w = TestMatrices.encode(W, 2, 3, dtype, arena);
            float[] x = {1, 1, 1, 2, 0, -1};
            float[] y = {99, 99, 99, 99};
            k.matmul(y, x, 2, w);
            // batch 0: [1+2+3, -1+0.5+4]; batch 1: [2-3, -2-4]
            assertArrayEquals(new float[]{6, 3.5f, -1, -6}, y);
        }
    }

    /** The interface's default for an input in memory: the array form's result, into the strided columns. */
    @Test
    void matmulOverAMatrixInputWritesTheStridedColumns() {
        float[] y = {99, 99, 99, 99, 99, 99};
        k.matmul(y, 1, 3, Matrix.of(new float[]{1, 1, 1, 2, 0, -1}, 2, 3), Matrix.of(W, 2, 3));
        assertArrayEquals(new float[]{99, 6, 3.5f, 99, -1, -6}, y);
    }

    @Test
    void matmulTransposedAccumulateAddsDyTimesW() {
        float[] dx = {10, 10, 10};
        k.matmulTransposedAccumulate(dx, new float[]{1, 2}, 1, Matrix.of(W, 2, 3));
        // dx += 1*[1, 2, 3] + 2*[-1, 0.5, 4]
        assertArrayEquals(new float[]{9, 13, 21}, dx);
    }

    @Test
    void loraSgmvAddsScaledLowRankTermPerSegmentAndSkipsNullAdapters() {
        // in 2, out 2, rank 1: A = [[1, 2]], B = [[3], [-1]] → B·A·x = [3, -1] * (x0 + 2 x1)
        LoraWeights lw = new LoraWeights(Matrix.of(new float[]{1, 2}, 1, 2), Matrix.of(new float[]{3, -1}, 2, 1));
        float[] x = {1, 1, 5, 5, 2, 0};
        float[] y = {1, 1, 1, 1, 1, 1};
        k.loraSgmv(y, x, new int[]{0, 1, 2, 3}, new LoraWeights[]{lw, null, lw}, new float[]{2f, 7f, 0.5f}, 2, 2);
        // row 0: 1 + 2*3*[3,-1] = [19, -5]; row 1: untouched; row 2: 1 + 0.5*2*[3,-1] = [4, 0]
        assertArrayEquals(new float[]{19, -5, 1, 1, 4, 0}, y);
    }

    @Test
    void rmsnormDividesByRootMeanSquareAndAppliesWeight() {
        float[] out = new float[3];
        // x = [3, 4] at offset 1: mean square 12.5, eps 0 → divide by sqrt(12.5)
        k.rmsnorm(out, 1, new float[]{0, 3, 4}, 1, new float[]{1, 2}, 2, 0f);
        double r = Math.sqrt(12.5);
        assertArrayEquals(new float[]{0, (float) (3 / r), (float) (8 / r)}, out, 1e-6f);
    }

    @Test
    void ropeRotatesHalfPairsByPositionTimesFrequency() {
        // headDim 4, theta 100: frequencies 1 and 100^(-1/2) = 0.1; position 2 → angles 2 and 0.2
        float[] x = {1, 0, 0, 1};
        k.rope(x, 0, 1, 4, 2, 100f);
        // pairs (x0, x2) = (1, 0) and (x1, x3) = (0, 1)
        float[] expected = {(float) Math.cos(2), (float) -Math.sin(0.2), (float) Math.sin(2), (float) Math.cos(0.2)};
        assertArrayEquals(expected, x, 1e-6f);
        float[] y = {0.3f, -2f};
        k.rope(y, 0, 1, 2, 0, 10000f);
        assertArrayEquals(new float[]{0.3f, -2f}, y, "position 0 is the identity");
    }

    @Test
    void softmaxNormalisesExponentialsAndSurvivesHugeLogits() {
        float[] x = {5, 0, (float) Math.log(2), 5};
        k.softmax(x, 1, 2);
        assertArrayEquals(new float[]{5, 1 / 3f, 2 / 3f, 5}, x, 1e-6f);
        float[] big = {1000f, 1000f};
        k.softmax(big, 0, 2);
        assertArrayEquals(new float[]{0.5f, 0.5f}, big);
    }

    @Test
    void swigluIsGateTimesSigmoidOfGateTimesUp() {
        // silu(0) = 0, silu(ln 3) = ln 3 * 3/4, silu(-ln 3) = -ln 3 / 4
        float ln3 = (float) Math.log(3);
        float[] gate = {7, 0, ln3, -ln3, 7};
        float[] up = {9, 5, 2, -4, 9};
        k.swiglu(gate, up, 1, 3);
        assertArrayEquals(new float[]{7, 0, ln3 * 0.75f * 2, ln3 / 4 * 4, 7}, gate, 1e-6f);
    }

    @Test
    void attentionFollowsTheBlockTableAndSharesKvHeadsAcrossQueryGroups() {
        // 2 query heads on 1 kv head, headDim 2, blockSize 1; positions 0, 1 live in slots 2, 0.
        float[] k2 = new float[3 * 2];
        float[] v2 = new float[3 * 2];
        float ln3 = (float) Math.log(3);
        // key of position 0 (slot 2) = [0, 0]; key of position 1 (slot 0) = [ln3 * sqrt2, 0]
        k2[0] = (float) (ln3 * Math.sqrt(2));
        v2[0] = 4;   // value of position 1 = [4, 0]
        v2[4] = 0;
        v2[5] = 8;   // value of position 0 = [0, 8]
        float[] q = {1, 0, 0, 1};
        float[] out = new float[4];
        k.attention(out, 0, q, 0, k2, v2, new int[]{2, 0}, 1, 2, 2, 1, 2);
        // head 0: scores [0, ln3] → weights [1/4, 3/4] → 0.25*[0,8] + 0.75*[4,0] = [3, 2]
        // head 1: scores [0, 0] → [0.5, 0.5] → [2, 4]
        assertArrayEquals(new float[]{3, 2, 2, 4}, out, 1e-5f);
        float[] one = new float[4];
        k.attention(one, 0, q, 0, k2, v2, new int[]{2, 0}, 1, 1, 2, 1, 2);
        assertEquals(8f, one[1], 1e-6f, "seqLen 1 attends only to position 0");
    }
}
