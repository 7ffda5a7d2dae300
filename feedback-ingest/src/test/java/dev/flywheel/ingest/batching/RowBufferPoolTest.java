package dev.flywheel.ingest.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RowBufferPoolTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private static void row(TableBatch batch, TopicPartition p, String text, long offset) {
        RowBuffer b = batch.bufferFor(p);
        int mark = b.size();
        b.put((text + "\n").getBytes(StandardCharsets.UTF_8));
        b.endRow(offset, offset);
        batch.rowAdded(b.size() - mark, 0);
    }

    private static String body(TableBatch batch) {
        StringBuilder s = new StringBuilder();
        for (ByteBuffer b : batch.body()) {
            s.append(StandardCharsets.UTF_8.decode(b));
        }
        return s.toString();
    }

    @Test
    void aRecycledBatchsBuffersServeTheNextBatchEmptyAndWithTheirCapacity() {
        RowBufferPool pool = new RowBufferPool(1 << 20);
        TableBatch first = new TableBatch("x", 4096, pool);
        row(first, P0, "a".repeat(10_000), 1); // grows P0's buffer past 4096
        row(first, P1, "b", 2);
        RowBuffer grown = first.bufferFor(P0);
        int capacity = grown.capacity();
        first.recycle();
        assertEquals(0, first.rows());
        assertTrue(pool.spareBytes() >= capacity);

        TableBatch second = new TableBatch("x", 4096, pool);
        RowBuffer reused = second.bufferFor(P1);
        assertTrue(reused.size() == 0 && reused.rows() == 0, "a reused buffer starts empty");
        row(second, P1, "c", 3);
        row(second, P0, "d", 4);
        assertEquals("c\nd\n", body(second), "only the new batch's rows, none of the old one's");
        assertEquals(2, second.rows());
        assertArrayEquals(new byte[] {'c', '\n'}, second.row(0).bytes());
        assertTrue(second.bufferFor(P0) == grown || second.bufferFor(P1) == grown, "the grown buffer was reused");
    }

    @Test
    void takeSkipsSpareBuffersSmallerThanAsked() {
        RowBufferPool pool = new RowBufferPool(1 << 20);
        RowBuffer small = pool.take(64);
        pool.giveBack(small);
        RowBuffer big = pool.take(8192);
        assertNotSame(small, big);
        assertTrue(big.capacity() >= 8192);
        assertEquals(0, pool.spareBytes(), "the small spare was let go, not kept");
        pool.giveBack(big);
        assertSame(big, pool.take(100), "a larger spare serves a smaller request");
    }

    @Test
    void spareCapacityStaysWithinTheBound() {
        RowBufferPool pool = new RowBufferPool(10_000);
        List<RowBuffer> buffers = List.of(pool.take(4096), pool.take(4096), pool.take(4096));
        buffers.forEach(pool::giveBack);
        assertEquals(8192, pool.spareBytes(), "two of the three fit under 10,000 bytes");
        RowBufferPool none = new RowBufferPool(0);
        none.giveBack(none.take(16));
        assertEquals(0, none.spareBytes());
        assertThrows(IllegalArgumentException.class, () -> new RowBufferPool(-1));
    }
}
