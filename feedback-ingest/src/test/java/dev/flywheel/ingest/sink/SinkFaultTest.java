package dev.flywheel.ingest.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.ingest.internal.ClickHouseHttpWriter;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The failures the pipeline must survive without a visible duplicate or a lost event: a crash between insert and
 * commit, an insert whose acknowledgement was lost, ClickHouse down for a while. Each test uses its own feedback id
 * prefix and consumer group; they run in order because each reads the whole topic.
 */
@ExtendWith(FlywheelServicesExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SinkFaultTest {
    private static final BatchBounds SMALL = new BatchBounds(100, 1 << 20, Duration.ofMillis(50));
    private final EventCodec codec = new EventCodec();

    private int produceFeedback(TestServices services, String prefix, int n) {
        TestEvents events = new TestEvents(5);
        List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            for (int i = 0; i < n; i++) {
                var e = events.feedback(prefix, i);
                sent.add(producer.send(new ProducerRecord<>(services.topics().feedback().name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e))));
            }
        }
        for (var ack : sent) {
            try {
                ack.get(60, TimeUnit.SECONDS); // every produced record must be in Kafka, or the counts below mean nothing
            } catch (Exception ex) {
                throw new IllegalStateException("test producer failed", ex);
            }
        }
        return n;
    }

    private static long visible(SinkHarness h, String prefix) throws SQLException {
        return h.query("SELECT count() FROM ${db}.feedback_events FINAL WHERE startsWith(event_id, '" + prefix + "-')");
    }

    private static long distinct(SinkHarness h, String prefix) throws SQLException {
        return h.query("SELECT uniqExact(event_id) FROM ${db}.feedback_events WHERE startsWith(event_id, '" + prefix + "-')");
    }

    private static long stored(SinkHarness h, String prefix) throws SQLException {
        return h.query("SELECT count() FROM ${db}.feedback_events WHERE startsWith(event_id, '" + prefix + "-')");
    }

    /** Stands in for kill -9 between "ClickHouse acknowledged" and "offsets committed". */
    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash() {
            super("simulated crash after an acknowledged insert");
        }
    }

    @Test
    @Order(1)
    void crashAfterInsertBeforeCommitIsReplayedWithoutVisibleDuplicates(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        int produced = produceFeedback(services, "crash", 1000);
        ClickHouseHttpWriter real = h.writer();
        TableWriter crashing = (table, columns, rows, body) -> {
            real.insert(table, columns, rows, body);
            throw new SimulatedCrash();
        };
        var first = h.start("crash", crashing, SMALL, 100, 1 << 20);
        first.thread().join(Duration.ofSeconds(30));
        assertInstanceOf(SimulatedCrash.class, first.died().get());
        assertTrue(h.committed("crash").isEmpty(), "nothing may be committed by a consumer that crashed before its commit");
        long afterCrash = stored(h, "crash");
        assertTrue(afterCrash > 0, "the crashed consumer had inserted a batch");

        var second = h.start("crash");
        SinkHarness.await("the restarted sink to commit everything", Duration.ofSeconds(60), () -> h.committedToEnd("crash"));
        second.stop();
        assertNull(second.died().get());
        assertEquals(produced, visible(h, "crash"), "count() FINAL");
        assertEquals(produced, distinct(h, "crash"), "uniqExact(event_id)");
        // The crashed batch was inserted twice; until a merge collapses it, only FINAL hides the second copy.
        assertTrue(stored(h, "crash") >= produced);
    }

    @Test
    @Order(2)
    void insertWhoseAcknowledgementWasLostIsRetriedWithoutVisibleDuplicates(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        int produced = produceFeedback(services, "ackloss", 600);
        ClickHouseHttpWriter real = h.writer();
        AtomicInteger lost = new AtomicInteger(3);
        TableWriter flaky = (table, columns, rows, body) -> {
            real.insert(table, columns, rows, body);
            if (lost.getAndDecrement() > 0) {
                throw new InsertException(table, rows, true, "connection reset before the response (simulated)", null);
            }
        };
        var sink = h.start("ackloss", flaky, SMALL, 100, 1 << 20);
        SinkHarness.await("the sink to commit everything", Duration.ofSeconds(60), () -> h.committedToEnd("ackloss"));
        sink.stop();
        assertNull(sink.died().get());
        assertEquals(produced, visible(h, "ackloss"));
        assertEquals(produced, distinct(h, "ackloss"));
        assertTrue(lost.get() < 0, "all three acknowledgements were lost, so three batches were inserted twice");
    }

    /** Sends to a closed port until switched to the real server. */
    static final class SwitchableWriter implements TableWriter {
        final AtomicReference<TableWriter> target;

        SwitchableWriter(TableWriter initial) {
            target = new AtomicReference<>(initial);
        }

        @Override
        public void insert(String table, List<String> columns, int rows, List<ByteBuffer> body) throws InsertException {
            target.get().insert(table, columns, rows, body);
        }
    }

    @Test
    @Order(3)
    void clickHouseDownPausesWithBoundedMemoryThenCatchesUpExactlyOnce(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        int produced = produceFeedback(services, "down", 1500);
        var c = services.clickhouse();
        var down = new ClickHouseHttpWriter(new ClickHouseConfig(URI.create("http://127.0.0.1:1"), c.database(), c.user(), c.password()),
                Duration.ofSeconds(2));
        SwitchableWriter writer = new SwitchableWriter(down);
        int maxPoll = 50;
        var sink = h.start("down", writer, SMALL, maxPoll, 1 << 20);
        SinkHarness.await("the sink to pause after repeated failures", Duration.ofSeconds(30),
                () -> sink.loop().status().paused() && sink.loop().status().consecutiveFailures() >= 4);
        SinkStatus status = sink.loop().status();
        assertTrue(status.bufferedRows() <= SMALL.maxRows() + maxPoll, "memory stays bounded while paused: " + status);
        assertTrue(status.lastError().contains("unreachable"), status.lastError());
        assertTrue(h.committed("down").isEmpty(), "no offset is committed while ClickHouse is down");
        assertEquals(0, stored(h, "down"));

        writer.target.set(h.writer()); // ClickHouse is back
        SinkHarness.await("the sink to catch up", Duration.ofSeconds(60), () -> h.committedToEnd("down"));
        assertTrue(!sink.loop().status().paused(), "resumed");
        sink.stop();
        assertNull(sink.died().get());
        assertEquals(produced, visible(h, "down"));
        assertEquals(produced, distinct(h, "down"));
    }
}
