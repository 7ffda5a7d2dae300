package dev.flywheel.ingest.sink;

import java.time.Duration;

/** Exponential retry delay: {@code min * 2^(failures-1)}, capped at {@code max}. */
public record Backoff(Duration min, Duration max) {
    public Backoff {
        if (min == null || min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("backoff min must be a positive duration, got " + min);
        }
        if (max == null || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff max must be >= min (" + min + "), got " + max);
        }
    }

    /** The wait after the {@code failures}-th consecutive failure (1-based), in milliseconds. */
    public long delayMillis(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        long d = min.toMillis() << shift;
        return d <= 0 || d > max.toMillis() ? max.toMillis() : d;
    }
}
