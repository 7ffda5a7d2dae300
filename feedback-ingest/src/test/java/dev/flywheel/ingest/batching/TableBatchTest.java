package dev.flywheel.ingest.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TableBatchTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private static void row(TableBatch batch, TopicPartition p, String text, long ts, long now) {
        RowBuffer b = batch.bufferFor(p);
        int mark = b.size();
        b.put((text + "\n").getBytes(StandardCharsets.UTF_8));
        b.endRow(ts, b.rows());
        batch.rowAdded(b.size() - mark, now);
    }

    @Test
    void batchIsDueAtTheRowByteOrLingerBound() {
        BatchBounds bounds = new BatchBounds(3, 1024, Duration.ofMillis(100));
        TableBatch batch = new TableBatch("x");
        assertFalse(batch.due(bounds, 1_000_000), "an empty batch is never due");
        row(batch, P0, "a", 1, 1000);
        assertFalse(batch.due(bounds, 1099));
        assertTrue(batch.due(bounds, 1100), "linger reached");
        row(batch, P0, "b", 2, 1050);
        row(batch, P1, "c", 3, 1060);
        assertTrue(batch.due(bounds, 1001), "row bound reached");
        TableBatch big = new TableBatch("y");
        row(big, P0, "z".repeat(2000), 1, 1000);
        assertTrue(big.due(bounds, 1000), "byte bound reached");
    }

    @Test
    void droppingARevokedPartitionKeepsTheOthersRowsAndEventTimes() {
        TableBatch batch = new TableBatch("x");
        row(batch, P0, "a", 10, 1);
        row(batch, P1, "b", 20, 1);
        row(batch, P0, "c", 30, 1);
        batch.drop(List.of(P0));
        assertEquals(1, batch.rows());
        assertEquals(2, batch.bytes());
        assertArrayEquals(new long[] {20}, batch.eventTimes());
        assertEquals("b\n", new String(batch.body().getFirst().array(), 0, batch.body().getFirst().remaining(), StandardCharsets.UTF_8));
    }

    @Test
    void boundsRejectNonsenseNamingTheSetting() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchBounds(0, 4096, Duration.ZERO));
        assertTrue(e.getMessage().contains("maxRows"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchBounds(10, 10, Duration.ZERO));
        assertTrue(e.getMessage().contains("maxBytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchBounds(10, 4096, Duration.ZERO, 0));
        assertTrue(e.getMessage().contains("caughtUpBytes"), e.getMessage());
    }

    @Test
    void aCaughtUpConsumerSealsOnlyFromTheCaughtUpBound() {
        BatchBounds bounds = new BatchBounds(1000, 1 << 20, Duration.ofMinutes(10), 4096);
        assertFalse(bounds.dueWhenCaughtUp(0), "nothing buffered: nothing to seal");
        assertFalse(bounds.dueWhenCaughtUp(4095), "a trickle below the bound waits for the linger");
        assertTrue(bounds.dueWhenCaughtUp(4096));
        assertEquals(BatchBounds.DEFAULT_CAUGHT_UP_BYTES, new BatchBounds(1, 1024, Duration.ZERO).caughtUpBytes());
    }

    private static String text(List<java.nio.ByteBuffer> body) {
        StringBuilder sb = new StringBuilder();
        for (var b : body) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            sb.append(new String(bytes, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    @Test
    void rowsCanBeLeftOutOfTheBodyAcrossPartitionsWithoutCopying() {
        TableBatch batch = new TableBatch("x");
        for (String[] r : new String[][] {{"0", "a"}, {"0", "b"}, {"1", "c"}, {"1", "ü"}, {"0", "e"}}) {
            RowBuffer b = batch.bufferFor(r[0].equals("0") ? P0 : P1);
            int mark = b.size();
            b.put((r[1] + "\n").getBytes(StandardCharsets.UTF_8));
            b.endRow(1, 100 + b.rows());
            batch.rowAdded(b.size() - mark, 1);
        }
        // body order: partition 0's rows (a, b, e), then partition 1's (c, ü)
        assertEquals("a\nb\ne\nc\nü\n", text(batch.body()));
        java.util.BitSet left = new java.util.BitSet();
        left.set(1);
        left.set(3);
        assertEquals("a\ne\nü\n", text(batch.bodyWithout(left)));
        left.set(0);
        left.set(2);
        left.set(4);
        assertEquals("", text(batch.bodyWithout(left)));
        TableBatch.Row row = batch.row(4);
        assertEquals(P1, row.partition());
        assertEquals(101, row.offset());
        assertEquals("ü\n", new String(row.bytes(), StandardCharsets.UTF_8));
        assertEquals(102, batch.row(2).offset(), "partition 0's third row");
        assertThrows(IndexOutOfBoundsException.class, () -> batch.row(5));
    }
}
