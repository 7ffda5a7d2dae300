package dev.flywheel.ingest.batching;

import java.util.ArrayDeque;

/**
 * Spare {@link RowBuffer}s of one table, reused from batch to batch by one consumer thread (not thread-safe).
 *
 * <p>Why: a batch's partition chunks are megabytes each (an inference chunk of a 32 MiB batch is ~9 MB), so a fresh
 * buffer per chunk and batch meant allocating and zeroing that much again every batch, and growing it by doubling
 * copies whenever a partition got more rows than in the batch before. In the 1M-event bench those growth copies were
 * the sink threads' largest single hotspot (JFR, 2026-12-05: ~8 % of their samples). A buffer comes back only after
 * the insert of its batch was acknowledged, when nothing reads its rows any more.
 *
 * <p>Memory: at most {@code maxSpareBytes} of capacity stays spare; the rest is left to the collector.
 */
public final class RowBufferPool {
    private final ArrayDeque<RowBuffer> spare = new ArrayDeque<>();
    private final long maxSpareBytes;
    private long spareBytes;

    /** @param maxSpareBytes capacity kept for reuse, >= 0 (0 keeps nothing) */
    public RowBufferPool(long maxSpareBytes) {
        if (maxSpareBytes < 0) {
            throw new IllegalArgumentException("maxSpareBytes must be >= 0, got " + maxSpareBytes);
        }
        this.maxSpareBytes = maxSpareBytes;
    }

    /** An empty buffer of at least {@code minCapacity} bytes: a spare one when there is one large enough. */
    public RowBuffer take(int minCapacity) {
        while (!spare.isEmpty()) {
            RowBuffer b = spare.pollFirst();
            spareBytes -= b.capacity();
            if (b.capacity() >= minCapacity) {
                return b;
            }
            // too small for the batches this table sees now: growing it would copy it, so let it go
        }
        return new RowBuffer(Math.max(16, minCapacity));
    }

    /** Takes back a buffer whose rows nobody reads any more; it is emptied, and kept when there is room. */
    public void giveBack(RowBuffer b) {
        b.clear();
        if (spareBytes + b.capacity() <= maxSpareBytes) {
            spare.addFirst(b);
            spareBytes += b.capacity();
        }
    }

    /** Capacity held spare, in bytes. */
    public long spareBytes() {
        return spareBytes;
    }
}
