package dev.flywheel.engine.batching.internal;

import java.time.Clock;

/**
 * Events per second over the last {@code seconds} whole seconds of a clock, in one-second buckets.
 * Thread-safe.
 */
public final class RateWindow {
    private final Clock clock;
    private final long[] counts;
    private final long[] bucketSecond;

    public RateWindow(Clock clock, int seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException("seconds must be >= 1, got " + seconds);
        }
        this.clock = clock;
        this.counts = new long[seconds];
        this.bucketSecond = new long[seconds];
        java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    }

    public synchronized void add(long events) {
        long now = clock.millis() / 1000;
        int i = (int) Math.floorMod(now, (long) counts.length);
        if (bucketSecond[i] != now) {
            bucketSecond[i] = now;
            counts[i] = 0;
        }
        counts[i] += events;
    }

    /** Mean events per second over the window ending now. */
    public synchronized double perSecond() {
        long now = clock.millis() / 1000;
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            if (bucketSecond[i] > now - counts.length && bucketSecond[i] <= now) {
                total += counts[i];
            }
        }
        return (double) total / counts.length;
    }
}
