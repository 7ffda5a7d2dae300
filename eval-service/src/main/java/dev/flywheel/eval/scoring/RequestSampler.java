package dev.flywheel.eval.scoring;

import dev.flywheel.eval.evaluators.Sampling;
import java.nio.charset.StandardCharsets;

/**
 * The per-request sampling decision: a request is scored by an evaluator when its experiment/variant pass the
 * filters and u(request id, evaluator id) < rate, where u is a uniform number in [0, 1) from a 64-bit FNV-1a hash
 * of the UTF-8 bytes of "request_id \0 evaluator_id" passed through the SplitMix64 finaliser. Deterministic by
 * construction (replays and other replicas make the same choice), independent across evaluators, and pinned by
 * golden vectors in the tests: changing it would change which historical requests count as sampled.
 */
public final class RequestSampler {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    public boolean sampled(Sampling sampling, String evaluatorId, String requestId, String experimentId, String variantId) {
        if (sampling.rate() <= 0.0 || !sampling.matches(experimentId, variantId)) {
            return false;
        }
        return sampling.rate() >= 1.0 || unit(requestId, evaluatorId) < sampling.rate();
    }

    /** u in [0, 1): the top 53 bits of the mixed hash. */
    public static double unit(String requestId, String evaluatorId) {
        long h = FNV_OFFSET;
        h = fnv(h, requestId.getBytes(StandardCharsets.UTF_8));
        h = (h ^ 0) * FNV_PRIME;
        h = fnv(h, evaluatorId.getBytes(StandardCharsets.UTF_8));
        return (mix(h) >>> 11) * 0x1.0p-53;
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= FNV_PRIME;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
