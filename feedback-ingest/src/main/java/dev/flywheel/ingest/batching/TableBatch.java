package dev.flywheel.ingest.batching;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The rows waiting for one ClickHouse table, kept per source partition so that a partition revoked in a rebalance
 * can be dropped (its offsets are uncommitted, so the new owner reads it again). Cleared only after the insert
 * succeeded.
 */
public final class TableBatch {
    private final String table;
    private final Map<TopicPartition, RowBuffer> chunks = new LinkedHashMap<>();
    private int rows;
    private long bytes;
    private long oldestMillis = Long.MAX_VALUE;

    private final int initialChunkBytes;
    private final RowBufferPool pool;

    public TableBatch(String table) {
        this(table, 4096, new RowBufferPool(0));
    }

    /**
     * @param initialChunkBytes starting capacity of each partition's buffer (the previous batch's largest chunk)
     * @param pool              where the buffers come from and go back to ({@link #recycle})
     */
    public TableBatch(String table, int initialChunkBytes, RowBufferPool pool) {
        this.table = table;
        this.initialChunkBytes = Math.max(4096, initialChunkBytes);
        this.pool = pool;
    }

    /** The largest partition chunk in bytes: the capacity hint for the next batch of this table. */
    public int largestChunk() {
        int max = 0;
        for (RowBuffer b : chunks.values()) {
            max = Math.max(max, b.size());
        }
        return max;
    }

    public String table() {
        return table;
    }

    /** The buffer to append the next row of {@code partition} to; call {@link #rowAdded} after writing it. */
    public RowBuffer bufferFor(TopicPartition partition) {
        return chunks.computeIfAbsent(partition, p -> pool.take(initialChunkBytes));
    }

    /** Accounts for one row of {@code rowBytes} appended at {@code nowMillis}. */
    public void rowAdded(int rowBytes, long nowMillis) {
        rows++;
        bytes += rowBytes;
        oldestMillis = Math.min(oldestMillis, nowMillis);
    }

    public int rows() {
        return rows;
    }

    public long bytes() {
        return bytes;
    }

    public boolean due(BatchBounds bounds, long nowMillis) {
        return bounds.due(rows, bytes, oldestMillis, nowMillis);
    }

    /** The insert body: every chunk's bytes, in partition order, without copying. */
    public List<ByteBuffer> body() {
        List<ByteBuffer> out = new ArrayList<>(chunks.size());
        for (RowBuffer b : chunks.values()) {
            if (b.size() > 0) {
                out.add(ByteBuffer.wrap(b.array(), 0, b.size()));
            }
        }
        return out;
    }

    /** One row of the batch: its source partition and offset, and its encoded bytes. */
    public record Row(TopicPartition partition, long offset, byte[] bytes) {}

    /** Row {@code index} of the body, counting from 0 in {@link #body()} order. */
    public Row row(int index) {
        int base = 0;
        for (var e : chunks.entrySet()) {
            RowBuffer b = e.getValue();
            if (index < base + b.rows()) {
                int r = index - base;
                return new Row(e.getKey(), b.offset(r), Arrays.copyOfRange(b.array(), b.rowStart(r), b.rowEnd(r)));
            }
            base += b.rows();
        }
        throw new IndexOutOfBoundsException("row " + index + " of a batch of " + rows);
    }

    /** The insert body without the rows in {@code skipped} (indexes as in {@link #row}), as views, without copying. */
    public List<ByteBuffer> bodyWithout(BitSet skipped) {
        if (skipped.isEmpty()) {
            return body();
        }
        List<ByteBuffer> out = new ArrayList<>();
        int base = 0;
        for (RowBuffer b : chunks.values()) {
            int from = 0; // start of the current run of kept rows, in bytes
            for (int r = 0; r < b.rows(); r++) {
                if (skipped.get(base + r)) {
                    if (b.rowStart(r) > from) {
                        out.add(ByteBuffer.wrap(b.array(), from, b.rowStart(r) - from));
                    }
                    from = b.rowEnd(r);
                }
            }
            if (b.size() > from) {
                out.add(ByteBuffer.wrap(b.array(), from, b.size() - from));
            }
            base += b.rows();
        }
        return out;
    }

    /** Event times (epoch ms) of every row, for freshness metrics. */
    public long[] eventTimes() {
        long[] out = new long[rows];
        int i = 0;
        for (RowBuffer b : chunks.values()) {
            for (int r = 0; r < b.rows(); r++) {
                out[i++] = b.eventTs(r);
            }
        }
        return out;
    }

    /** Drops the rows of partitions this consumer no longer owns. */
    public void drop(Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            RowBuffer b = chunks.remove(p);
            if (b != null) {
                rows -= b.rows();
                bytes -= b.size();
            }
        }
        if (rows == 0) {
            clear();
        }
    }

    /**
     * Gives every buffer back to the pool and empties the batch. Only once nothing reads the rows any more: after the
     * insert was acknowledged (and any refused rows were copied out).
     */
    public void recycle() {
        chunks.values().forEach(pool::giveBack);
        clear();
    }

    public void clear() {
        chunks.clear();
        rows = 0;
        bytes = 0;
        oldestMillis = Long.MAX_VALUE;
    }
}
