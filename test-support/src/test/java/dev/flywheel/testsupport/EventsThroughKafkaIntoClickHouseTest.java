package dev.flywheel.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.Event;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.FeedbackKind;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.contracts.topics.Topic;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The foundation's end-to-end check: events of all three types go through the real broker into the real ClickHouse
 * schema and come back; replaying the same event ids does not duplicate rows in deduplicated query results.
 * (The production pipeline with batching, DLQ and offsets lives in feedback-ingest; this uses the plainest path.)
 */
@ExtendWith(FlywheelServicesExtension.class)
class EventsThroughKafkaIntoClickHouseTest {
    private static final long T0 = 1_763_800_000_000L;
    private final EventCodec codec = new EventCodec();
    private final ObjectMapper mapper = EventCodec.newMapper();

    @Test
    void eventsOfEveryTypeArriveOnceEvenWhenReplayed(TestServices services) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<InferenceEvent> inference = new ArrayList<>();
        List<FeedbackEvent> feedback = new ArrayList<>();
        List<ScoreEvent> scores = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String req = "req-" + i;
            inference.add(new InferenceEvent(req, T0 + i, "exp-1", i % 2 == 0 ? "control" : "treatment", 0, "user-" + (i % 13),
                    "arith-tiny", "", List.of(new ChatMessage("user", "what is " + i + "+1? ünï 🙂")), Integer.toString(i + 1), "stop",
                    9, 2, 3.5, 20 + random.nextInt(30), 0.001, InferenceStatus.OK, "", Map.of("i", Integer.toString(i))));
            feedback.add(new FeedbackEvent("fb-" + i, T0 + 1000 + i, req, "user-" + (i % 13), FeedbackKind.THUMBS,
                    (double) random.nextInt(2), "", Map.of()));
            scores.add(new ScoreEvent(ScoreEvent.eventIdFor(req, "exact", 1), T0 + 2000 + i, req, "exp-1",
                    i % 2 == 0 ? "control" : "treatment", "exact", 1, random.nextInt(2), null, ScoreStatus.OK, "", 0.1));
        }

        for (int pass = 0; pass < 2; pass++) { // the second pass replays every event id
            produce(services, services.topics().inference(), inference);
            produce(services, services.topics().feedback(), feedback);
            produce(services, services.topics().scores(), scores);
            copy(services, services.topics().inference(), "inference_events", InferenceEvent.class, 60 * (pass + 1), pass);
            copy(services, services.topics().feedback(), "feedback_events", FeedbackEvent.class, 60 * (pass + 1), pass);
            copy(services, services.topics().scores(), "score_events", ScoreEvent.class, 60 * (pass + 1), pass);
        }

        String db = services.clickhouse().database();
        try (Connection c = services.clickhouseConnections().open(); Statement s = c.createStatement()) {
            for (String table : List.of("inference_events", "feedback_events", "score_events")) {
                assertTrue(scalar(s, "SELECT count() FROM " + db + "." + table) >= 60, table);
                assertEquals(60, scalar(s, "SELECT count() FROM " + db + "." + table + " FINAL"), table + " FINAL shows each event once");
                assertEquals(60, scalar(s, "SELECT uniqExact(event_id) FROM " + db + "." + table), table);
            }
            try (ResultSet rs = s.executeQuery("SELECT completion, prompt, ts_ms, toUnixTimestamp(ts) FROM " + db
                    + ".inference_events FINAL WHERE event_id = 'req-7'")) {
                assertTrue(rs.next());
                assertEquals("8", rs.getString(1));
                assertTrue(rs.getString(2).contains("ünï 🙂"), rs.getString(2));
                assertEquals(T0 + 7, rs.getLong(3));
                assertEquals((T0 + 7) / 1000, rs.getLong(4));
            }
            assertEquals(60, scalar(s, "SELECT count() FROM " + db + ".feedback_events f FINAL ANY INNER JOIN (SELECT event_id AS request_id FROM "
                    + db + ".inference_events FINAL) i USING request_id"), "feedback joins its request");
        }
    }

    private static long scalar(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getLong(1);
        }
    }

    private void produce(TestServices services, Topic topic, List<? extends Event> events) throws Exception {
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            for (Event e : events) {
                producer.send(new ProducerRecord<>(topic.name(), e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e))).get();
            }
        }
    }

    /** Reads the topic from the start until {@code expected} records were seen, and inserts them as rows. */
    private <T extends Event> void copy(TestServices services, Topic topic, String table, Class<T> type, int expected, int pass)
            throws Exception {
        List<T> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(services.consumerProperties(table + "-" + pass))) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.size() < expected) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + seen.size() + " of " + expected + " records arrived on " + topic.name());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(codec.decode(r.value(), type));
                }
            }
        }
        // Pass 1 re-reads the topic from the start, so it inserts every event a second and a third time: a replay.
        StringBuilder body = new StringBuilder();
        for (T e : seen) {
            body.append(mapper.writeValueAsString(row(e))).append('\n');
        }
        insert(services, table, body.toString());
    }

    private ObjectNode row(Event e) throws Exception {
        ObjectNode n = (ObjectNode) mapper.readTree(codec.encode(e));
        n.put("ts_ms", e.ts());
        n.put("ts", e.ts() / 1000);
        if (n.has("prompt")) {
            n.put("prompt", mapper.writeValueAsString(n.get("prompt")));
        }
        if (n.has("attributes")) {
            n.put("attributes", mapper.writeValueAsString(n.get("attributes")));
        }
        if (n.has("passed") && !n.get("passed").isNull()) {
            n.put("passed", n.get("passed").asBoolean() ? 1 : 0);
        }
        return n;
    }

    private static void insert(TestServices services, String table, String jsonEachRow) throws Exception {
        String query = "INSERT INTO " + services.clickhouse().database() + "." + table + " FORMAT JSONEachRow";
        URI uri = services.clickhouse().httpUrl().resolve("/?compress=0&decompress=0&input_format_skip_unknown_fields=1&query="
                + URLEncoder.encode(query, StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newHttpClient()) {
            var response = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(jsonEachRow)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
        }
    }
}
