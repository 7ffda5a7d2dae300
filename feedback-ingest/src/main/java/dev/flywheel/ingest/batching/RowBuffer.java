package dev.flywheel.ingest.batching;

import java.util.Arrays;

/**
 * A growable byte array of encoded rows plus the event time (epoch ms) of each row, for one topic partition.
 * Not thread-safe: one consumer thread owns it.
 */
public final class RowBuffer {
    private byte[] bytes;
    private int size;
    private long[] eventTs = new long[256];
    /** Per row: its end in {@link #array()} and its source record's offset (for a row ClickHouse refuses: the DLQ). */
    private int[] ends = new int[256];
    private long[] offsets = new long[256];
    private int rows;

    public RowBuffer() {
        this(4096);
    }

    /** @param initialBytes starting capacity (a batch's expected size saves the doubling copies of a fresh buffer) */
    public RowBuffer(int initialBytes) {
        if (initialBytes < 16) {
            throw new IllegalArgumentException("initialBytes must be >= 16, got " + initialBytes);
        }
        bytes = new byte[initialBytes];
    }

    /** Makes room for {@code extra} more bytes. */
    public void ensure(int extra) {
        int need = size + extra;
        if (need < 0) {
            throw new IllegalStateException("row buffer over 2 GiB");
        }
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
        }
    }

    public void put(byte b) {
        if (size == bytes.length) {
            ensure(1);
        }
        bytes[size++] = b;
    }

    /** Writes without a capacity check: callers {@link #ensure} first. */
    public void putUnchecked(byte b) {
        bytes[size++] = b;
    }

    /**
     * Sets the end of the valid bytes after a caller wrote into {@link #array()} directly (after {@link #ensure}),
     * so that a hot loop can keep its write position in a local variable.
     */
    public void setSize(int newSize) {
        if (newSize < size || newSize > bytes.length) {
            throw new IllegalArgumentException("newSize must be in [" + size + ", " + bytes.length + "], got " + newSize);
        }
        size = newSize;
    }

    public void put(byte[] src) {
        ensure(src.length);
        System.arraycopy(src, 0, bytes, size, src.length);
        size += src.length;
    }

    /** Marks the end of one row whose event happened at {@code tsMillis}, read from {@code offset} of its partition. */
    public void endRow(long tsMillis, long offset) {
        if (rows == eventTs.length) {
            eventTs = Arrays.copyOf(eventTs, rows * 2);
            ends = Arrays.copyOf(ends, rows * 2);
            offsets = Arrays.copyOf(offsets, rows * 2);
        }
        eventTs[rows] = tsMillis;
        ends[rows] = size;
        offsets[rows] = offset;
        rows++;
    }

    /** Where row {@code row} starts in {@link #array()}. */
    public int rowStart(int row) {
        return row == 0 ? 0 : ends[row - 1];
    }

    /** Where row {@code row} ends (exclusive) in {@link #array()}. */
    public int rowEnd(int row) {
        return ends[row];
    }

    /** The source offset of row {@code row}. */
    public long offset(int row) {
        return offsets[row];
    }

    /** Forgets everything written after {@code mark} (a size taken before a row that could not be completed). */
    public void truncate(int mark) {
        if (mark < 0 || mark > size) {
            throw new IllegalArgumentException("mark must be in [0, " + size + "], got " + mark);
        }
        size = mark;
    }

    /** Empties the buffer for reuse, keeping its capacity (see {@link RowBufferPool}). */
    public void clear() {
        size = 0;
        rows = 0;
    }

    public int size() {
        return size;
    }

    /** Bytes it holds without growing. */
    public int capacity() {
        return bytes.length;
    }

    public int rows() {
        return rows;
    }

    /** The backing array; valid bytes are {@code [0, size())}. */
    public byte[] array() {
        return bytes;
    }

    public long eventTs(int row) {
        return eventTs[row];
    }
}
