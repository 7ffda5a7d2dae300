package dev.flywheel.ingest.batching;

import java.time.Duration;

/**
 * When a table's batch is due for insert: it holds {@code maxRows} rows, or {@code maxBytes} bytes of encoded rows,
 * or its oldest row has waited {@code linger}. The row and byte bounds also bound the sink's memory.
 *
 * <p>{@code caughtUpBytes}: when a poll finds nothing new (the consumer has read to the end of its partitions), the
 * batches are sealed without waiting for the linger once they hold this many bytes together. Waiting would only delay
 * visibility: no more rows are coming to fill them (at the end of a burst, up to the whole linger). Below it, a trickle
 * of traffic still waits for the linger, so it does not become a stream of tiny inserts (each insert is a part
 * ClickHouse merges later).
 */
public record BatchBounds(int maxRows, long maxBytes, Duration linger, long caughtUpBytes) {
    /** The default {@code caughtUpBytes}: 1 MiB, a part worth writing. */
    public static final long DEFAULT_CAUGHT_UP_BYTES = 1L << 20;

    public BatchBounds {
        if (maxRows < 1) {
            throw new IllegalArgumentException("batch maxRows must be >= 1, got " + maxRows);
        }
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("batch maxBytes must be >= 1024, got " + maxBytes);
        }
        if (linger == null || linger.isNegative()) {
            throw new IllegalArgumentException("batch linger must be a duration >= 0, got " + linger);
        }
        if (caughtUpBytes < 1) {
            throw new IllegalArgumentException("batch caughtUpBytes must be >= 1, got " + caughtUpBytes);
        }
    }

    /** Bounds with the default {@link #DEFAULT_CAUGHT_UP_BYTES}. */
    public BatchBounds(int maxRows, long maxBytes, Duration linger) {
        this(maxRows, maxBytes, linger, DEFAULT_CAUGHT_UP_BYTES);
    }

    /** True when a batch of this many rows and bytes whose oldest row arrived at {@code oldestMillis} is due at {@code nowMillis}. */
    public boolean due(int rows, long bytes, long oldestMillis, long nowMillis) {
        return rows > 0 && (rows >= maxRows || bytes >= maxBytes || nowMillis - oldestMillis >= linger.toMillis());
    }

    /** True when batches holding {@code bufferedBytes} in all are due before their linger, the consumer having caught up. */
    public boolean dueWhenCaughtUp(long bufferedBytes) {
        return bufferedBytes >= caughtUpBytes;
    }
}
