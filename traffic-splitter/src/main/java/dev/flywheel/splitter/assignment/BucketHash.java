package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.assignment.internal.Murmur3;
import dev.flywheel.splitter.experiments.Experiment;

/**
 * Assignment hash, version {@value #VERSION}: bucket = unsigned(MurmurHash3_x86_32(utf8(salt + ":" + unitId), seed 0))
 * mod 10,000. Pinned by {@code src/test/resources/assignment-golden-v1.tsv}: changing any of this re-shuffles every
 * running experiment, so a change needs a new version, never an edit. Not thread-safe (one per thread).
 */
public final class BucketHash {
    public static final String VERSION = "v1";
    private final Murmur3 murmur = new Murmur3();

    /** The raw 32-bit hash of {@code salt + ":" + unitId}. */
    public int hash(String salt, String unitId) {
        return murmur.hash(salt, unitId);
    }

    /** Bucket in [0, 10,000). */
    public int bucket(String salt, String unitId) {
        return (int) (Integer.toUnsignedLong(murmur.hash(salt, unitId)) % Experiment.BUCKETS);
    }

    /** The salt of a layer's hash: experiments of one layer share it, so they partition the same buckets. */
    public static String layerSalt(String layer) {
        return "layer/" + layer;
    }
}
