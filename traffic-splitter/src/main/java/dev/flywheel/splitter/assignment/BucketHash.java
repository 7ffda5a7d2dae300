package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.assignment.internal.Murmur3;
import dev.flywheel.splitter.experiments.Experiment;

/**
 * Assignment hash, version {@value #VERSION}: bucket = unsigned(MurmurHash3_x86_32(utf8(salt + ":" + unitId), seed 0))
 * mod 10,000. Pinned by {@code src/test/resources/assignment-golden-v1.tsv}: changing any of this re-shuffles every
 * running experiment, so a change needs a new version, never an edit. Stateless and thread-safe. The hot path uses a
 * {@link Salt} (the salt's hash state computed once) so a decision hashes only the unit id and allocates nothing.
 */
public final class BucketHash {
    public static final String VERSION = "v1";
    /** ceil(2^45 / 10,000): {@code x / 10000 == (x * M) >>> 45} for every unsigned 32-bit x (checked exhaustively). */
    private static final long DIV_BUCKETS_MAGIC = 0xD1B71759L;

    /** A salt with the hash state of {@code utf8(salt) + ':'} precomputed. */
    public static final class Salt {
        private final String value;
        private final Murmur3.Prefix state;

        private Salt(String value) {
            if (value == null) {
                throw new IllegalArgumentException("salt is required");
            }
            this.value = value;
            this.state = Murmur3.prefix(value);
        }

        public String value() {
            return value;
        }
    }

    /** Precomputes {@code salt} for {@link #bucket(Salt, String)}. */
    public static Salt salt(String salt) {
        return new Salt(salt);
    }

    /** The raw 32-bit hash of {@code salt + ":" + unitId}. */
    public int hash(String salt, String unitId) {
        return Murmur3.hash(salt, unitId);
    }

    /** Bucket in [0, 10,000). */
    public int bucket(String salt, String unitId) {
        return bucketOf(Murmur3.hash(salt, unitId));
    }

    /** Bucket in [0, 10,000), hashing only {@code unitId}. No allocation. */
    public static int bucket(Salt salt, String unitId) {
        return bucketOf(Murmur3.hash(salt.state, unitId));
    }

    /** unsigned(hash) mod 10,000, by multiply and shift instead of a division. */
    static int bucketOf(int hash) {
        long x = Integer.toUnsignedLong(hash);
        long q = (x * DIV_BUCKETS_MAGIC) >>> 45;
        return (int) (x - q * Experiment.BUCKETS);
    }

    /** The salt of a layer's hash: experiments of one layer share it, so they partition the same buckets. */
    public static String layerSalt(String layer) {
        return "layer/" + layer;
    }
}
