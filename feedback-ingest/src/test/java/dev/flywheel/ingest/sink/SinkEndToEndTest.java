package dev.flywheel.ingest.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.Event;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.DeadLetters;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every event type through the real sink into ClickHouse, bad records into their DLQs, and a full replay by a second
 * consumer group that must not change what queries see.
 */
@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SinkEndToEndTest {
    private static final int INFERENCE = 300, FEEDBACK = 200, SCORES = 120;
    private static final int MAX_EVENT_BYTES = 8 * 1024; // a small configured limit, so "oversized" fits in a test topic
    private final EventCodec codec = new EventCodec();
    private SinkHarness harness;
    private TestServices services;
    private final List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
    private final Map<String, String> expectedDlqFields = new HashMap<>(); // "topic|offset-key" → field

    @BeforeAll
    void produceEverything(TestServices services) throws Exception {
        this.services = services;
        this.harness = new SinkHarness(services);
        TestEvents events = new TestEvents(11);
        var t = services.topics();
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            for (int i = 0; i < INFERENCE; i++) send(producer, t.inference(), events.inference("inf", i));
            for (int i = 0; i < FEEDBACK; i++) send(producer, t.feedback(), events.feedback("fb", i));
            for (int i = 0; i < SCORES; i++) send(producer, t.scores(), events.score("sc", i));
            for (int v = 1; v <= 3; v++) {
                raw(producer, t.experiments(), "exp-1", "{\"id\":\"exp-1\",\"version\":" + v + ",\"status\":\"running\",\"updated_at\":" + (TestEvents.T0 + v)
                        + ",\"name\":\"ramp ✓\",\"stages\":[1,5,10]}");
            }
            raw(producer, t.models(), "adapter-7", "{\"id\":\"adapter-7\",\"version\":1,\"status\":\"registered\"}");
            raw(producer, t.models(), "adapter-8", "{\"version\":2}"); // id from the key
            sent.add(producer.send(new ProducerRecord<>(t.experiments().name(), "exp-gone".getBytes(StandardCharsets.UTF_8), null))); // tombstone: skipped
            // Bad input, one of each kind, each must land on its topic's DLQ naming the field.
            bad(producer, t.inference(), "garbage", new byte[] {(byte) 0xff, 0x00, 0x13, '{'}, "$");
            bad(producer, t.feedback(), "wrong-type", "{\"event_id\":\"x1\",\"ts\":1760000000000,\"request_id\":\"r\",\"kind\":\"rating\",\"value\":\"five\"}", "value");
            bad(producer, t.scores(), "missing", "{\"event_id\":\"x2\",\"ts\":1760000000000,\"evaluator_id\":\"e\",\"evaluator_version\":1,\"score\":1,\"status\":\"ok\",\"latency_ms\":3}", "request_id");
            bad(producer, t.feedback(), "unknown-kind", "{\"event_id\":\"x3\",\"ts\":1760000000000,\"request_id\":\"r\",\"kind\":\"stars\",\"value\":1}", "kind");
            bad(producer, t.feedback(), "out-of-range", "{\"event_id\":\"x4\",\"ts\":1760000000000,\"request_id\":\"r\",\"kind\":\"rating\",\"value\":11}", "value");
            bad(producer, t.inference(), "seconds-not-ms", new String(codec.encode(events.inference("late", 1)), StandardCharsets.UTF_8)
                    .replace("\"ts\":1760000000001", "\"ts\":1760000000"), "ts");
            bad(producer, t.feedback(), "oversized", "{\"event_id\":\"x5\",\"ts\":1760000000000,\"request_id\":\"r\",\"kind\":\"comment\",\"comment\":\""
                    + "z".repeat(MAX_EVENT_BYTES) + "\"}", "$");
            bad(producer, t.models(), "no-version", "{\"id\":\"adapter-9\",\"status\":\"registered\"}", "version");
            bad(producer, t.scores(), "null-on-event-topic", (byte[]) null, "$");
            producer.flush();
        }
        for (var ack : sent) {
            ack.get(60, TimeUnit.SECONDS); // every produced record must be in Kafka, or the counts below mean nothing
        }
    }

    private void send(KafkaProducer<byte[], byte[]> p, Topic topic, Event e) {
        sent.add(p.send(new ProducerRecord<>(topic.name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e))));
    }

    private void raw(KafkaProducer<byte[], byte[]> p, Topic topic, String key, String json) {
        sent.add(p.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8))));
    }

    private void bad(KafkaProducer<byte[], byte[]> p, Topic topic, String key, String json, String field) {
        bad(p, topic, key, json.getBytes(StandardCharsets.UTF_8), field);
    }

    private void bad(KafkaProducer<byte[], byte[]> p, Topic topic, String key, byte[] value, String field) {
        sent.add(p.send(new ProducerRecord<>(topic.name(), key.getBytes(StandardCharsets.UTF_8), value)));
        expectedDlqFields.put(topic.name() + "|" + key, field);
    }

    private SinkHarness.Running startSink(String group) {
        return harness.start(group, harness.writer(), new BatchBounds(128, 1 << 20, Duration.ofMillis(100)), 100, MAX_EVENT_BYTES);
    }

    @Test
    void everyEventTypeLandsExactlyOnceAndBadRecordsGoToTheirDlqWithTheField() throws Exception {
        var sink = startSink("main");
        SinkHarness.await("the sink to commit every partition", Duration.ofSeconds(60), () -> harness.committedToEnd("main"));
        sink.stop();
        assertNull(sink.died().get());

        assertEquals(INFERENCE, harness.finalCount("inference_events"));
        assertEquals(FEEDBACK, harness.finalCount("feedback_events"));
        assertEquals(SCORES, harness.finalCount("score_events"));
        assertEquals(3, harness.query("SELECT count() FROM ${db}.experiment_history FINAL"));
        assertEquals(2, harness.query("SELECT count() FROM ${db}.model_history FINAL"));
        assertEquals("adapter-8", harness.queryString("SELECT id FROM ${db}.model_history WHERE version = 2"));

        // Values survive the trip: unicode, tabs and newlines, NULLs, JSON columns.
        assertEquals("[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"what is 4 + 7? «ünïcødé» 😀\\ttab\"}]",
                harness.queryString("SELECT prompt FROM ${db}.inference_events WHERE event_id = 'inf-4'"));
        assertEquals("answer: 11\nline two", harness.queryString("SELECT completion FROM ${db}.inference_events WHERE event_id = 'inf-4'"));
        assertEquals("merci ✓ 'quoted'\\", harness.queryString("SELECT comment FROM ${db}.feedback_events WHERE event_id = 'fb-2'"));
        assertEquals(1, harness.query("SELECT isNull(value) FROM ${db}.feedback_events WHERE event_id = 'fb-2'"));
        assertEquals(1, harness.query("SELECT isNull(passed) FROM ${db}.score_events WHERE event_id = 'sc-3'"));
        assertEquals(TestEvents.T0 + 7, harness.query("SELECT ts_ms FROM ${db}.feedback_events WHERE event_id = 'fb-7'"));
        assertEquals((TestEvents.T0 + 7) / 1000, harness.query("SELECT toUnixTimestamp(ts) FROM ${db}.feedback_events WHERE event_id = 'fb-7'"));

        Map<String, String> dlq = readDeadLetters();
        assertEquals(expectedDlqFields, dlq);
        double dlqCounted = harness.metrics.registry().find("ingest.dlq").counters().stream().mapToDouble(c -> c.count()).sum();
        assertEquals(expectedDlqFields.size(), dlqCounted);
        assertEquals(1, harness.metrics.count("ingest.tombstones", "topic", services.topics().experiments().name()));
        assertEquals(INFERENCE, harness.metrics.count("ingest.rows", "table", "inference_events"));

        // A full replay by another group (as after losing the committed offsets) changes nothing queries see.
        var replay = startSink("replay");
        SinkHarness.await("the replay to commit every partition", Duration.ofSeconds(60), () -> harness.committedToEnd("replay"));
        replay.stop();
        for (var table : List.of("inference_events", "feedback_events", "score_events")) {
            int produced = switch (table) { case "inference_events" -> INFERENCE; case "feedback_events" -> FEEDBACK; default -> SCORES; };
            assertEquals(produced, harness.finalCount(table), table + " count() FINAL after a replay");
            assertEquals(produced, harness.distinctIds(table), table + " uniqExact(event_id) after a replay");
        }
        assertEquals(3, harness.query("SELECT count() FROM ${db}.experiment_history FINAL"));
    }

    /** DLQ contents as "source topic|key" → field header, checking every record says why. */
    private Map<String, String> readDeadLetters() {
        Map<String, String> out = new HashMap<>();
        var props = services.consumerProperties("dlq-reader");
        try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
            List<String> dlqs = services.topics().all().stream().map(Topic::dlq).toList();
            consumer.subscribe(dlqs);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < expectedDlqFields.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String source = header(r, DeadLetters.SOURCE_TOPIC);
                    assertTrue(r.topic().equals(source + ".dlq"), "DLQ record on " + r.topic() + " from " + source);
                    assertTrue(!header(r, DeadLetters.REASON).isBlank(), "a reason");
                    out.put(source + "|" + new String(r.key(), StandardCharsets.UTF_8), header(r, DeadLetters.FIELD));
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
