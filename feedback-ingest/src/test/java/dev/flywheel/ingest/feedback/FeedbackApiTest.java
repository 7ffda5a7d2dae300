package dev.flywheel.ingest.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real HTTP server on a random port, producing to a real Kafka. */
@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeedbackApiTest {
    private static final String CLIENT = "client-token-0123456789";
    private final ObjectMapper mapper = EventCodec.newMapper();
    private final EventCodec codec = new EventCodec();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedServer server;
    private TestServices services;

    @BeforeAll
    void start(TestServices services) {
        this.services = services;
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                "flywheel.topics.prefix", services.topics().prefix(),
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.ingest.sink-enabled", false));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(EmbeddedServer target, String body, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(target.getURL() + "/v1/feedback"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post(server, body, Map.of("Authorization", "Bearer " + CLIENT));
    }

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return mapper.readTree(r.body());
    }

    /** Feedback on the topic by event id, reading until {@code ids} are all there. */
    private Map<String, ConsumerRecord<byte[], byte[]>> onTopic(List<String> ids) {
        Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        try (var consumer = new KafkaConsumer<byte[], byte[]>(services.consumerProperties("reader-" + ids.hashCode()))) {
            consumer.subscribe(List.of(services.topics().feedback().name()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!out.keySet().containsAll(ids) && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    out.put(codec.decode(r.value(), FeedbackEvent.class).eventId(), r);
                }
            }
        }
        return out;
    }

    @Test
    void requestsWithoutAClientTokenAreRefused() throws Exception {
        assertEquals(401, post(server, "{}", Map.of()).statusCode());
        assertEquals(401, post(server, "{}", Map.of("Authorization", "Bearer not-a-known-token-at-all")).statusCode());
    }

    @Test
    void singleFeedbackIsAcknowledgedAfterKafkaHasItKeyedByRequestId() throws Exception {
        var r = post("{\"request_id\":\"req-α\",\"unit_id\":\"u1\",\"kind\":\"comment\",\"comment\":\"très utile — 👍\"}");
        assertEquals(202, r.statusCode(), r.body());
        String id = json(r).get("event_id").asText();
        var record = onTopic(List.of(id)).get(id);
        assertEquals("req-α", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals("très utile — 👍", codec.decode(record.value(), FeedbackEvent.class).comment());
    }

    @Test
    void batchAnswersPerItemAndProducesOnlyTheValidOnes() throws Exception {
        var r = post("""
                [{"event_id":"b-1","request_id":"r1","kind":"thumbs","value":0},
                 {"event_id":"b-2","request_id":"r2","kind":"rating","value":"five"},
                 {"event_id":"b-3","request_id":"r3","kind":"conversion","value":1}]
                """);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals(2, body.get("accepted").asInt());
        assertEquals(1, body.get("rejected").asInt());
        assertEquals("accepted", body.get("results").get(0).get("status").asText());
        assertEquals("[1].value", body.get("results").get(1).get("error").get("field").asText());
        assertEquals(400, body.get("results").get(1).get("code").asInt());
        assertEquals(2, onTopic(List.of("b-1", "b-3")).keySet().stream().filter(k -> k.startsWith("b-")).count());
    }

    @Test
    void wrongTypesAreA400NamingTheField() throws Exception {
        var r = post("{\"request_id\":\"r\",\"kind\":\"rating\",\"value\":3,\"ts\":\"yesterday\"}");
        assertEquals(400, r.statusCode());
        assertEquals("ts", json(r).get("error").get("field").asText());
        assertEquals("invalid_request", json(r).get("error").get("type").asText());
        var missing = post("{\"kind\":\"thumbs\",\"value\":1}");
        assertEquals("request_id", json(missing).get("error").get("field").asText());
        var malformed = post("{\"kind\":");
        assertEquals(400, malformed.statusCode());
    }

    @Test
    void hugeEventIsA413() throws Exception {
        var r = post("{\"request_id\":\"r\",\"kind\":\"comment\",\"comment\":\"" + "x".repeat(1_100_000) + "\"}");
        assertEquals(413, r.statusCode(), r.body());
    }

    @Test
    void retriesWithTheSameIdempotencyKeyKeepTheSameEventId() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var r = post(server, "{\"request_id\":\"dup\",\"kind\":\"thumbs\",\"value\":1}",
                    Map.of("Authorization", "Bearer " + CLIENT, "Idempotency-Key", "click-42"));
            assertEquals(202, r.statusCode());
            ids.add(json(r).get("event_id").asText());
        }
        assertEquals(List.of("click-42", "click-42"), ids, "the sink collapses both copies by event_id");
    }

    @Test
    void kafkaDownAnswers503WithRetryAfterInsteadOfHanging() throws Exception {
        try (EmbeddedServer noKafka = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", "127.0.0.1:1",
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.ingest.sink-enabled", false,
                "flywheel.ingest.produce-timeout", "1s",
                "flywheel.ingest.retry-after", "7s"))) {
            var r = post(noKafka, "[{\"request_id\":\"r\",\"kind\":\"thumbs\",\"value\":1},{\"request_id\":\"r2\",\"kind\":\"thumbs\",\"value\":0}]",
                    Map.of("Authorization", "Bearer " + CLIENT));
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("7", r.headers().firstValue("Retry-After").orElse(""));
            assertEquals(2, json(r).get("unavailable").asInt());
        }
    }

    @Test
    void metricsAreExposedWithoutAToken() throws Exception {
        post("{\"request_id\":\"m\",\"kind\":\"thumbs\",\"value\":1}");
        var r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("ingest_feedback_events_total{outcome=\"accepted\"}"), r.body());
    }
}
