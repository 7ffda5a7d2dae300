package dev.flywheel.ingest.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.DeadLetters;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A row the real ClickHouse cannot read must not stop the pipeline: ClickHouse 18.16 refuses the whole insert (HTTP
 * 500, Code 27, "at row N"), the sink inserts the batch again without that row and sends the row to the DLQ, and
 * every other event is stored exactly once. The unreadable row is made by a writer in front of the real one that
 * breaks one encoded row (our encoders write only rows ClickHouse reads), as a schema drift or an encoder bug would.
 */
@ExtendWith(FlywheelServicesExtension.class)
class RefusedRowTest {
    private static final String POISON = "fb-17\t"; // the event_id column of one feedback row

    /** Replaces the tab after event id fb-17 with a space: that row then has one column too few. */
    private static TableWriter breakingOneRow(TableWriter real) {
        return (table, columns, rows, body) -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (ByteBuffer b : body) {
                ByteBuffer d = b.duplicate();
                byte[] chunk = new byte[d.remaining()];
                d.get(chunk);
                all.writeBytes(chunk);
            }
            String text = all.toString(StandardCharsets.UTF_8);
            int at = text.indexOf(POISON);
            if (at >= 0) {
                text = text.substring(0, at) + "fb-17 " + text.substring(at + POISON.length());
            }
            real.insert(table, columns, rows, List.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
        };
    }

    @Test
    void aRowClickHouseCannotReadGoesToTheDlqAndTheRestIsStoredOnce(TestServices services) throws Exception {
        SinkHarness harness = new SinkHarness(services);
        TestEvents events = new TestEvents(5);
        EventCodec codec = new EventCodec();
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                var e = events.feedback("fb", i);
                acks.add(producer.send(new ProducerRecord<>(services.topics().feedback().name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e))));
            }
            for (var a : acks) {
                a.get(60, TimeUnit.SECONDS);
            }
        }
        var sink = harness.start("refused", breakingOneRow(harness.writer()), new BatchBounds(1000, 1 << 20, Duration.ofMillis(300)), 500, 1 << 20);
        try {
            SinkHarness.await("39 feedback rows stored and every offset committed", Duration.ofSeconds(60),
                    () -> harness.finalCount("feedback_events") == 39 && harness.committedToEnd("refused"));
        } finally {
            sink.stop();
        }
        assertNull(sink.died().get(), "the sink kept running");
        assertEquals(39, harness.distinctIds("feedback_events"));
        assertEquals(0, harness.query("SELECT count() FROM ${db}.feedback_events WHERE event_id = 'fb-17'"));

        ConsumerRecord<byte[], byte[]> dead = readOneDeadLetter(services);
        String reason = header(dead, DeadLetters.REASON);
        assertTrue(reason.contains("ClickHouse refused this row of feedback_events") && reason.contains("Code: 27"), reason);
        assertEquals(services.topics().feedback().name(), header(dead, DeadLetters.SOURCE_TOPIC));
        assertTrue(new String(dead.value(), StandardCharsets.UTF_8).startsWith("fb-17\t"), "the row as the sink encoded it");
        assertTrue(Long.parseLong(header(dead, DeadLetters.SOURCE_OFFSET)) >= 0, "the source offset of the row");
    }

    private static ConsumerRecord<byte[], byte[]> readOneDeadLetter(TestServices services) {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(services.consumerProperties("refused-dlq-reader"))) {
            consumer.subscribe(List.of(services.topics().feedback().dlq()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            assertEquals(1, seen.size(), "exactly the refused row on the feedback DLQ");
            return seen.getFirst();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
