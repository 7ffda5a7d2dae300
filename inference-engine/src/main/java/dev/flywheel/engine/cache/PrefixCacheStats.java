package dev.flywheel.engine.cache;

/**
 * Counters of the prefix cache since start. Every admitted prompt is looked up; at most its full
 * blocks before the last prompt token can hit, since the last token must be recomputed for logits.
 *
 * @param lookupTokens prompt tokens of every lookup
 * @param hitTokens    prompt tokens whose KV was reused
 * @param evictions    cached blocks evicted to make room
 */
public record PrefixCacheStats(long lookupTokens, long hitTokens, long evictions) {
    public PrefixCacheStats {
        if (lookupTokens < 0 || hitTokens < 0 || evictions < 0 || hitTokens > lookupTokens) {
            throw new IllegalArgumentException("prefix cache counters must be non-negative with hitTokens <= lookupTokens, got "
                    + lookupTokens + ", " + hitTokens + ", " + evictions);
        }
    }

    /** Fraction of looked-up tokens served from cache, 0 when nothing was looked up. */
    public double hitRate() {
        return lookupTokens == 0 ? 0.0 : (double) hitTokens / lookupTokens;
    }
}
