package dev.flywheel.ingest.batching;

import java.time.Duration;

/**
 * When a table's batch is due for insert: it holds {@code maxRows} rows, or {@code maxBytes} bytes of encoded rows,
 * or its oldest row has waited {@code linger}. The row and byte bounds also bound the sink's memory.
 */
public record BatchBounds(int maxRows, long maxBytes, Duration linger) {
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
    }

    /** True when a batch of this many rows and bytes whose oldest row arrived at {@code oldestMillis} is due at {@code nowMillis}. */
    public boolean due(int rows, long bytes, long oldestMillis, long nowMillis) {
        return rows > 0 && (rows >= maxRows || bytes >= maxBytes || nowMillis - oldestMillis >= linger.toMillis());
    }
}
