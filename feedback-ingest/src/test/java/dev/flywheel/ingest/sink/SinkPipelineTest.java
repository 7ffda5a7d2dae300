package dev.flywheel.ingest.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.ingest.internal.ClickHouseHttpWriter;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Inserts run on their own thread with up to two flushes outstanding; offsets must still be committed only for a
 * prefix of acknowledged flushes, and a failed flush must rewind to exactly the end of the last acknowledged one.
 */
@ExtendWith(FlywheelServicesExtension.class)
class SinkPipelineTest {
    private static final BatchBounds SMALL = new BatchBounds(100, 1 << 20, Duration.ofMillis(50));
    private final EventCodec codec = new EventCodec();

    private void produceFeedback(TestServices services, String prefix, int n) throws Exception {
        TestEvents events = new TestEvents(9);
        List<Future<?>> sent = new ArrayList<>();
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            for (int i = 0; i < n; i++) {
                var e = events.feedback(prefix, i);
                sent.add(producer.send(new ProducerRecord<>(services.topics().feedback().name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e))));
            }
        }
        for (var ack : sent) {
            ack.get(60, TimeUnit.SECONDS);
        }
    }

    private static long count(SinkHarness h, String what, String prefix) throws Exception {
        return h.query("SELECT " + what + " FROM ${db}.feedback_events" + (what.equals("count()") ? " FINAL" : "")
                + " WHERE startsWith(event_id, '" + prefix + "-')");
    }

    @Test
    void theLastRowsOfABurstAreInsertedOnceTheSinkCaughtUpNotAfterTheLinger(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        produceFeedback(services, "burst", 300);
        // No row or byte bound is reached and the linger is ten minutes: only the caught-up bound (1 KiB; 300 feedback
        // rows are ~60 KB) can seal this batch within the wait below.
        var sink = h.start("burst", h.writer(), new BatchBounds(100_000, 32 << 20, Duration.ofMinutes(10), 1024), 500, 1 << 20);
        SinkHarness.await("all 300 rows visible", Duration.ofSeconds(60), () -> count(h, "count()", "burst") == 300);
        SinkHarness.await("the sink to commit everything", Duration.ofSeconds(60), () -> h.committedToEnd("burst"));
        sink.stop();
        assertNull(sink.died().get());
        assertEquals(300, count(h, "uniqExact(event_id)", "burst"));
    }

    @Test
    void offsetsAreNotCommittedWhileAnEarlierPipelinedInsertIsUnacknowledged(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        produceFeedback(services, "order", 1000);
        ClickHouseHttpWriter real = h.writer();
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        TableWriter gated = (table, columns, rows, body) -> {
            if (calls.getAndIncrement() == 0) {
                firstEntered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InsertException(table, rows, true, "interrupted", e);
                }
            }
            real.insert(table, columns, rows, body);
        };
        var sink = h.start("order", gated, SMALL, 100, 1 << 20);
        assertTrue(firstEntered.await(60, TimeUnit.SECONDS), "the first insert started");
        // A second flush is sealed behind the stuck one and the consumer throttles: more than one batch outstanding.
        SinkHarness.await("a second flush queued behind the first", Duration.ofSeconds(30),
                () -> sink.loop().status().bufferedRows() > SMALL.maxRows());
        assertTrue(h.committed("order").isEmpty(), "nothing may be committed before the first flush is acknowledged");
        assertTrue(sink.loop().status().bufferedRows() <= 3 * SMALL.maxRows() + 100, "at most two flushes plus one batch and one poll: "
                + sink.loop().status());

        release.countDown();
        SinkHarness.await("the sink to commit everything", Duration.ofSeconds(60), () -> h.committedToEnd("order"));
        sink.stop();
        assertNull(sink.died().get());
        assertEquals(1000, count(h, "count()", "order"), "count() FINAL");
        assertEquals(1000, count(h, "uniqExact(event_id)", "order"));
    }

    @Test
    void failedInFlightInsertRewindsToTheLastAcknowledgedFlushAndStoresEachEventOnce(TestServices services) throws Exception {
        SinkHarness h = new SinkHarness(services);
        produceFeedback(services, "rewind", 1000);
        ClickHouseHttpWriter real = h.writer();
        AtomicInteger calls = new AtomicInteger();
        TableWriter secondFails = (table, columns, rows, body) -> {
            if (calls.incrementAndGet() == 2) {
                throw new InsertException(table, rows, true, "HTTP 503 (simulated)", null); // nothing was written
            }
            real.insert(table, columns, rows, body);
        };
        var sink = h.start("rewind", secondFails, SMALL, 100, 1 << 20);
        SinkHarness.await("the sink to commit everything", Duration.ofSeconds(60), () -> h.committedToEnd("rewind"));
        sink.stop();
        assertNull(sink.died().get());
        assertTrue(calls.get() > 2, "the failed flush was retried");
        // Raw rows, not FINAL: the flush after the failed one was skipped, and the rewind restarted right after the
        // first (acknowledged) flush, so no row was written twice and none is missing.
        assertEquals(1000, h.query("SELECT count() FROM ${db}.feedback_events WHERE startsWith(event_id, 'rewind-')"), "raw rows");
        assertEquals(1000, count(h, "uniqExact(event_id)", "rewind"));
    }
}
