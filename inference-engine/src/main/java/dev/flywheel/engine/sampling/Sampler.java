package dev.flywheel.engine.sampling;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Picks the next token from one row of logits. Greedy is argmax (lowest id on ties). Otherwise:
 * keep the top-k logits (if set), divide by the temperature, softmax, keep the smallest set of most
 * likely tokens whose mass reaches top_p (if below 1), and draw from it with the request's own
 * generator, so a seeded request replays exactly whatever else shares its batch.
 *
 * <p>Holds scratch buffers of vocabulary size: one instance per engine thread, not thread-safe.
 */
public final class Sampler {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private final int vocabSize;
    private final long[] order;
    private final double[] weights;

    public Sampler(int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.order = new long[vocabSize];
        this.weights = new double[vocabSize];
    }

    /** Samples from logits[offset, offset + vocabSize). */
    public int sample(float[] logits, int offset, SamplingParams params, RandomGenerator rng) {
        if (params.isGreedy()) {
            return argmax(logits, offset, vocabSize);
        }
        int n = candidatesDescending(logits, offset, params.topK());
        double invT = 1.0 / params.temperature();
        float max = logits[offset + index(order[0])];
        double total = 0;
        for (int i = 0; i < n; i++) {
            double w = Math.exp((logits[offset + index(order[i])] - max) * invT);
            weights[i] = w;
            total += w;
        }
        if (params.topP() < 1) {
            double target = params.topP() * total;
            double cum = 0;
            int keep = 0;
            while (keep < n && cum < target) {
                cum += weights[keep++];
            }
            n = Math.max(1, keep);
            total = cum;
        }
        double u = rng.nextDouble() * total;
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += weights[i];
            if (u < cum) {
                return index(order[i]);
            }
        }
        return index(order[n - 1]);
    }

    /**
     * Index of the largest of x[offset, offset + n), lowest index on ties (-0.0 ties with 0.0); NaN is
     * an error. Two passes: the maximum, then its first occurrence, both in vector lanes. The maximum
     * of a set does not depend on the order it is taken in (MAX is Math.max lane by lane: NaN
     * propagates, 0.0 above -0.0), so the answer is a plain scan's (SamplerTest compares the two); a
     * scalar Math.max chain took ~0.45 ms of a batch-32 step for its 1M logits, a tenth of the step's
     * Java time.
     */
    public static int argmax(float[] x, int offset, int n) {
        int i = argmaxOrNaN(x, offset, n);
        if (i < 0) {
            throw nan(x, offset, n);
        }
        return i;
    }

    /** As {@link #argmax}, but -1 where the row holds a NaN (for callers that fail that row themselves). */
    public static int argmaxOrNaN(float[] x, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, x.length);
        int lanes = F.length();
        int upper = F.loopBound(n);
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < upper; i += lanes) {
            acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(F, x, offset + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        if (Float.isNaN(max)) {
            return -1;
        }
        FloatVector target = FloatVector.broadcast(F, max);
        for (i = 0; i < upper; i += lanes) {
            VectorMask<Float> hit = FloatVector.fromArray(F, x, offset + i).compare(VectorOperators.EQ, target);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (x[offset + i] == max) {
                return i;
            }
        }
        return 0;
    }

    private static IllegalStateException nan(float[] x, int offset, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(x[offset + i])) {
                return new IllegalStateException("logit " + i + " is NaN: the forward pass diverged");
            }
        }
        return new IllegalStateException("a logit is NaN: the forward pass diverged");
    }

    /**
     * Fills order[0, result) with packed (logit, token) keys, most likely first, ties by lowest token id;
     * all tokens when topK is 0, else the topK largest.
     */
    private int candidatesDescending(float[] logits, int offset, int topK) {
        for (int i = 0; i < vocabSize; i++) {
            float v = logits[offset + i];
            if (Float.isNaN(v)) {
                throw new IllegalStateException("logit " + i + " is NaN: the forward pass diverged");
            }
            order[i] = pack(v, i);
        }
        Arrays.sort(order, 0, vocabSize);
        for (int i = 0, j = vocabSize - 1; i < j; i++, j--) {
            long tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return topK == 0 ? vocabSize : Math.min(topK, vocabSize);
    }

    /** Signed-order key of a float in the high word; the complemented token id in the low word. */
    private static long pack(float v, int token) {
        int bits = Float.floatToIntBits(v + 0.0f);
        int key = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) key << 32) | (~token & 0xffffffffL);
    }

    private static int index(long packed) {
        return ~(int) packed;
    }
}
