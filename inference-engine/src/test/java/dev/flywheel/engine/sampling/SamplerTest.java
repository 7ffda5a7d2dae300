package dev.flywheel.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** Softmax of these at temperature 1 is {0.5, 0.3, 0.15, 0.05} (the logits are log-probs). */
    private static final float[] LOGITS = {
            (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};

    private static RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    private static SamplingParams params(double temperature, double topP, int topK) {
        return new SamplingParams(temperature, topP, topK, 16, List.of(), 7L);
    }

    private static int[] histogram(SamplingParams p, int draws, long seed) {
        Sampler sampler = new Sampler(LOGITS.length);
        RandomGenerator r = rng(seed);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(LOGITS, 0, p, r)]++;
        }
        return counts;
    }

    @Test
    void greedyPicksTheLargestLogitAndTheLowestIdOnTies() {
        Sampler sampler = new Sampler(5);
        float[] logits = {0f, 3f, -1f, 3f, 2f};
        assertEquals(1, sampler.sample(logits, 0, SamplingParams.greedy(1), rng(1)));
        float[] batch = {9f, 0f, 0f, 0f, 0f, /* row 2 */ 0f, 0f, 0f, 0f, 1f};
        assertEquals(4, sampler.sample(batch, 5, SamplingParams.greedy(1), rng(1)), "reads the row at the offset");
    }

    /** Plain one-pass argmax: the first index whose logit exceeds every earlier one. */
    private static int referenceArgmax(float[] x, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[offset + i] > x[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void greedyMatchesAPlainScanOnLongRowsWithTiesSignedZerosAndInfinities() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int n : new int[] {1, 2, 511, 512, 513, 1025, 32000, 32001}) {
            Sampler sampler = new Sampler(n);
            for (int trial = 0; trial < 20; trial++) {
                float[] row = new float[n + 3];
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) random.nextDouble(-20, 20);
                }
                int a = 3 + random.nextInt(n);
                int b = 3 + random.nextInt(n);
                switch (trial % 5) {
                    case 1 -> { row[a] = 50f; row[b] = 50f; } // a tie, the two far apart or adjacent
                    case 2 -> { java.util.Arrays.fill(row, -0.0f); row[b] = 0.0f; } // -0.0 ties with 0.0
                    case 3 -> { java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY); row[b] = Float.POSITIVE_INFINITY; }
                    case 4 -> java.util.Arrays.fill(row, Float.NEGATIVE_INFINITY);
                    default -> { }
                }
                assertEquals(referenceArgmax(row, 3, n), sampler.sample(row, 3, SamplingParams.greedy(1), rng(1)),
                        "n " + n + " trial " + trial);
            }
        }
    }

    @Test
    void nanAnywhereInALongRowIsAnError() {
        float[] row = new float[2000];
        row[1500] = Float.NaN;
        var e = assertThrows(IllegalStateException.class, () -> Sampler.argmax(row, 0, row.length));
        assertTrue(e.getMessage().contains("logit 1500 is NaN"), e.getMessage());
        float[] tail = new float[2001]; // past the last whole vector
        tail[2000] = Float.NaN;
        e = assertThrows(IllegalStateException.class, () -> Sampler.argmax(tail, 0, tail.length));
        assertTrue(e.getMessage().contains("logit 2000 is NaN"), e.getMessage());
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        int[] counts = histogram(params(2.0, 1.0, 1), 500, 3);
        assertEquals(500, counts[0]);
    }

    @Test
    void samplingAtTemperatureOneFollowsTheSoftmax() {
        int draws = 20_000;
        int[] counts = histogram(params(1.0, 1.0, 0), draws, 11);
        double[] expected = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < expected.length; i++) {
            double sd = Math.sqrt(expected[i] * (1 - expected[i]) / draws);
            assertEquals(expected[i], counts[i] / (double) draws, 5 * sd, "token " + i);
        }
    }

    @Test
    void lowTemperatureSharpensTheDistribution() {
        int[] cold = histogram(params(0.25, 1.0, 0), 2000, 5);
        int[] warm = histogram(params(1.0, 1.0, 0), 2000, 5);
        assertTrue(cold[0] > warm[0] + 400, "cold " + cold[0] + " vs warm " + warm[0]);
    }

    @Test
    void topKNeverPicksOutsideTheKMostLikely() {
        int[] counts = histogram(params(1.5, 1.0, 2), 3000, 9);
        assertEquals(0, counts[2] + counts[3]);
        assertTrue(counts[0] > 0 && counts[1] > 0);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // 0.5 < 0.7 <= 0.5 + 0.3: the nucleus is {0, 1}.
        int[] counts = histogram(params(1.0, 0.7, 0), 3000, 13);
        assertEquals(0, counts[2] + counts[3]);
        assertTrue(counts[1] > 0);
        // A tiny top_p keeps only the most likely token.
        assertEquals(3000, histogram(params(1.0, 0.01, 0), 3000, 13)[0]);
    }

    @Test
    void aSeededGeneratorReplaysTheSameTokens() {
        Sampler sampler = new Sampler(LOGITS.length);
        SamplingParams p = params(1.0, 0.95, 0);
        int[] first = new int[50];
        int[] second = new int[50];
        int[] otherSeed = new int[50];
        RandomGenerator a = rng(42);
        RandomGenerator b = rng(42);
        RandomGenerator c = rng(43);
        for (int i = 0; i < 50; i++) {
            first[i] = sampler.sample(LOGITS, 0, p, a);
            second[i] = sampler.sample(LOGITS, 0, p, b);
            otherSeed[i] = sampler.sample(LOGITS, 0, p, c);
        }
        assertArrayEquals(first, second);
        assertFalse(java.util.Arrays.equals(first, otherSeed));
    }

    @Test
    void infiniteLogitsAreHandledAndNanIsAnError() {
        Sampler sampler = new Sampler(3);
        float[] masked = {Float.NEGATIVE_INFINITY, 1f, Float.NEGATIVE_INFINITY};
        assertEquals(1, histogram1(sampler, masked, params(1.0, 1.0, 0)));
        var e = assertThrows(IllegalStateException.class,
                () -> sampler.sample(new float[] {0f, Float.NaN, 1f}, 0, SamplingParams.greedy(1), rng(1)));
        assertTrue(e.getMessage().contains("NaN"));
    }

    private static int histogram1(Sampler sampler, float[] logits, SamplingParams p) {
        RandomGenerator r = rng(1);
        int token = sampler.sample(logits, 0, p, r);
        for (int i = 0; i < 100; i++) {
            assertEquals(token, sampler.sample(logits, 0, p, r));
        }
        return token;
    }

    @Test
    void invalidParametersNameTheParameter() {
        assertEquals("temperature", assertThrows(InvalidSamplingException.class, () -> params(-0.1, 1, 0)).param());
        assertEquals("temperature", assertThrows(InvalidSamplingException.class, () -> params(Double.NaN, 1, 0)).param());
        assertEquals("top_p", assertThrows(InvalidSamplingException.class, () -> params(1, 0, 0)).param());
        assertEquals("top_p", assertThrows(InvalidSamplingException.class, () -> params(1, 1.5, 0)).param());
        assertEquals("top_k", assertThrows(InvalidSamplingException.class, () -> params(1, 1, -2)).param());
        assertEquals("max_tokens", assertThrows(InvalidSamplingException.class,
                () -> new SamplingParams(1, 1, 0, 0, List.of(), null)).param());
        assertEquals("stop", assertThrows(InvalidSamplingException.class,
                () -> new SamplingParams(1, 1, 0, 5, List.of("a", "b", "c", "d", "e"), null)).param());
        assertEquals("stop", assertThrows(InvalidSamplingException.class,
                () -> new SamplingParams(1, 1, 0, 5, List.of(""), null)).param());
    }
}
