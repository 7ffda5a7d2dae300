package dev.flywheel.splitter.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.splitter.bench.StubBackend;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole service over HTTP: experiment API, proxy against stub backends, events through the real Kafka. Proxy
 * requests take the lean Netty path here; {@link SplitterServiceFrameworkRouteTest} runs the same tests through the
 * framework's route.
 */
@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SplitterServiceTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static final String CLIENT = "client-token-0123456789";
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventCodec codec = new EventCodec();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private StubBackend good;
    private StubBackend other;
    private StubBackend broken;
    private EmbeddedServer server;
    private KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, InferenceEvent> seen = new HashMap<>();

    /** Whether the proxy's lean Netty path is on ({@code flywheel.splitter.fast-path}). */
    boolean fastPath() {
        return true;
    }

    @BeforeAll
    void start(TestServices services) throws Exception {
        good = new StubBackend(false);
        other = new StubBackend(false);
        broken = new StubBackend(true);
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                "flywheel.topics.prefix", services.topics().prefix(),
                "flywheel.auth.admin-tokens", List.of(ADMIN),
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.splitter.default-backend-url", good.url().toString(),
                "flywheel.splitter.backend-token", "backend-token-0123456789",
                "flywheel.splitter.fast-path", fastPath()));
        consumer = new KafkaConsumer<>(services.consumerProperties("events"));
        consumer.subscribe(List.of(services.topics().inference().name()));
    }

    @AfterAll
    void stop() {
        if (consumer != null) consumer.close();
        if (server != null) server.close();
        good.close();
        other.close();
        broken.close();
    }

    /** Experiments of one test must not capture another test's traffic: retire everything after each test. */
    @AfterEach
    void retireExperiments() throws Exception {
        for (JsonNode e : json(call("GET", "/v1/experiments", CLIENT, null)).path("experiments")) {
            String id = e.path("id").asText();
            if (e.path("status").asText().equals("running")) {
                call("POST", "/v1/experiments/" + id + "/rollback", ADMIN, null);
            }
            if (!e.path("status").asText().equals("archived")) {
                assertEquals(200, call("POST", "/v1/experiments/" + id + "/archive", ADMIN, null).statusCode());
            }
        }
    }

    private HttpResponse<String> call(String method, String path, String token, String body, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String experiment(String id, String treatmentBackend, String layer, double traffic) {
        return """
                {"id":"%s","owner":"qa","layer":"%s","traffic_percent":%s,
                 "variants":[{"id":"control","backend_url":"%s","model":"base","cost_per_1k_tokens":1.0},
                             {"id":"treatment","backend_url":"%s","model":"lora-%s","overrides":{"temperature":0.1,"system_prompt":"Be exact."}}],
                 "control_variant_id":"control",
                 "ramp_plan":[{"percent":50,"min_duration":"PT1M","min_samples":10},{"percent":100,"min_duration":"PT1M","min_samples":10}],
                 "primary_metric":{"metric":"score:exact_match","direction":"higher_is_better"}}
                """.formatted(id, layer, traffic, good.url(), treatmentBackend, id);
    }

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return mapper.readTree(r.body());
    }

    private InferenceEvent awaitEvent(String requestId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (var r : consumer.poll(Duration.ofMillis(200))) {
                InferenceEvent e = codec.decode(r.value(), InferenceEvent.class);
                seen.put(e.eventId(), e);
            }
            if (seen.containsKey(requestId)) {
                return seen.get(requestId);
            }
        }
        throw new AssertionError("no inference event for " + requestId + " within 30 s");
    }

    @Test
    void experimentLifecycleOverRestWithFieldNamedErrorsAndConflicts() throws Exception {
        var bad = call("POST", "/v1/experiments", ADMIN, experiment("life", good.url().toString(), "l-life", 100)
                .replace("\"control_variant_id\":\"control\"", "\"control_variant_id\":\"ghost\""));
        assertEquals(400, bad.statusCode());
        assertEquals("control_variant_id", json(bad).path("error").path("field").asText());
        var dup = call("POST", "/v1/experiments", ADMIN, experiment("life", good.url().toString(), "l-life", 100)
                .replace("\"id\":\"treatment\"", "\"id\":\"control\""));
        assertEquals("variants[1].id", json(dup).path("error").path("field").asText());

        var anonymous = call("POST", "/v1/experiments", null, experiment("life", good.url().toString(), "l-life", 100));
        assertEquals(401, anonymous.statusCode());
        assertEquals("unauthorized", json(anonymous).path("error").path("type").asText());
        var asClient = call("POST", "/v1/experiments", CLIENT, experiment("life", good.url().toString(), "l-life", 100));
        assertEquals(403, asClient.statusCode());
        assertEquals("forbidden", json(asClient).path("error").path("type").asText(), "a valid token without the role");
        assertEquals("Authorization", json(asClient).path("error").path("field").asText());

        var created = call("POST", "/v1/experiments", ADMIN, experiment("life", good.url().toString(), "l-life", 60));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("draft", json(created).path("status").asText());
        // read-your-writes: the very next read sees it
        assertEquals(1, json(call("GET", "/v1/experiments/life", CLIENT, null)).path("version").asInt());
        var over = call("POST", "/v1/experiments", ADMIN, experiment("life2", good.url().toString(), "l-life", 50));
        assertEquals(400, over.statusCode());
        assertEquals("traffic_percent", json(over).path("error").path("field").asText());

        assertEquals(409, call("POST", "/v1/experiments/life/advance", ADMIN, null).statusCode());
        var started = call("POST", "/v1/experiments/life/start", ADMIN, "{\"reason\":\"test\"}");
        assertEquals(200, started.statusCode(), started.body());
        assertEquals(0, json(started).path("stage_index").asInt());
        var stale = call("POST", "/v1/experiments/life/advance", ADMIN, "{\"expected_version\":1}");
        assertEquals(409, stale.statusCode());
        assertEquals("version_conflict", json(stale).path("error").path("type").asText());
        assertEquals(1, json(call("POST", "/v1/experiments/life/advance", ADMIN, "{\"expected_version\":2}")).path("stage_index").asInt());
        assertEquals("rolled_back", json(call("POST", "/v1/experiments/life/rollback", ADMIN, "{}")).path("status").asText());
        var illegal = call("POST", "/v1/experiments/life/resume", ADMIN, null);
        assertEquals(409, illegal.statusCode());
        assertEquals("illegal_transition", json(illegal).path("error").path("type").asText());
        assertEquals(404, call("GET", "/v1/experiments/nope", CLIENT, null).statusCode());
    }

    @Test
    void startRefusesAnUnreachableBackend() throws Exception {
        assertEquals(201, call("POST", "/v1/experiments", ADMIN, experiment("dead", "http://127.0.0.1:9", "l-dead", 100)).statusCode());
        var r = call("POST", "/v1/experiments/dead/start", ADMIN, null);
        assertEquals(400, r.statusCode());
        assertEquals("variants[1].backend_url", json(r).path("error").path("field").asText());
    }

    @Test
    void proxyAppliesTheVariantTagsTheResponseAndEmitsOneEvent() throws Exception {
        call("POST", "/v1/experiments", ADMIN, experiment("full", other.url().toString(), "l-full", 100));
        call("POST", "/v1/experiments/full/start", ADMIN, null);
        call("POST", "/v1/experiments/full/advance", ADMIN, null); // 100 %: everyone on treatment
        String body = "{\"model\":\"whatever\",\"messages\":[{\"role\":\"user\",\"content\":\"2+2? ü\"}]}";
        var r = call("POST", "/v1/chat/completions", CLIENT, body, "X-Flywheel-Unit", "user-7", "X-Request-Id", "req-full-1");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("full", r.headers().firstValue("X-Flywheel-Experiment").orElseThrow());
        assertEquals("treatment", r.headers().firstValue("X-Flywheel-Variant").orElseThrow());
        assertTrue(r.body().contains("reply from lora-full"), r.body());
        JsonNode forwarded = other.received().getLast();
        assertEquals("lora-full", forwarded.path("model").asText());
        assertEquals("Bearer backend-token-0123456789", other.authorizations().getLast(), "the backend token, never the client's");
        assertEquals(0.1, forwarded.path("temperature").asDouble());
        assertEquals("system", forwarded.path("messages").path(0).path("role").asText());
        assertEquals("Be exact.", forwarded.path("messages").path(0).path("content").asText());

        InferenceEvent e = awaitEvent("req-full-1");
        assertEquals("full", e.experimentId());
        assertEquals("treatment", e.variantId());
        assertEquals(1, e.rampStage());
        assertEquals("user-7", e.unitId());
        assertEquals(InferenceStatus.OK, e.status());
        assertEquals("reply from lora-full", e.completion());
        assertEquals("2+2? ü", e.prompt().getLast().content());
        assertEquals(1, e.prompt().size(), "the event records the client's prompt, not the variant's system prompt");
        assertEquals(7, e.promptTokens());
        assertEquals(3, e.completionTokens());
        assertEquals(0.0, e.cost()); // treatment has no cost rate
        assertEquals(fastPath(), fastPathRequests() > 0, "which path answered the proxy requests");
        assertTrue(metric("flywheel_splitter_request_duration_seconds_count", "route=\"chat\"", "status=\"ok\"") >= 1,
                "the request's duration is recorded on either path");
        assertTrue(metric("flywheel_splitter_request_duration_seconds_bucket", "route=\"chat\"", "status=\"ok\"", "le=\"+Inf\"") >= 1,
                "as a histogram, whose quantiles can be combined across replicas");
    }

    /** The sum of a Prometheus series' samples whose labels contain every one of {@code labels}. */
    private double metric(String name, String... labels) throws Exception {
        String metrics = call("GET", "/metrics", null, null).body();
        return metrics.lines().filter(l -> (l.startsWith(name + "{") || l.startsWith(name + " "))
                        && Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private double fastPathRequests() throws Exception {
        return metric("flywheel_splitter_fast_path_requests_total");
    }

    @Test
    void streamingIsPassedThroughAndRecorded() throws Exception {
        call("POST", "/v1/experiments", ADMIN, experiment("stream", other.url().toString(), "l-stream", 100));
        call("POST", "/v1/experiments/stream/start", ADMIN, null);
        call("POST", "/v1/experiments/stream/advance", ADMIN, null);
        String body = "{\"model\":\"x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user\":\"u-s\"}";
        var r = call("POST", "/v1/chat/completions", CLIENT, body, "X-Request-Id", "req-stream-1");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().contains("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"reply \"}"), r.body());
        assertTrue(r.body().contains("data: [DONE]"), r.body());
        assertFalse(r.body().contains("data: data:"), "must not double-wrap SSE: " + r.body());
        InferenceEvent e = awaitEvent("req-stream-1");
        assertEquals("reply from lora-stream", e.completion());
        assertEquals("u-s", e.unitId());
        assertEquals("stop", e.finishReason());
        assertEquals("true", e.attributes().get("stream"));
    }

    @Test
    void failingTreatmentFallsBackToControlAndTheEventSaysSo() throws Exception {
        // The broken stub answers GET /v1/models (so start succeeds) but fails every completion.
        call("POST", "/v1/experiments", ADMIN, experiment("flaky2", broken.url().toString(), "l-flaky2", 100));
        var start = call("POST", "/v1/experiments/flaky2/start", ADMIN, null);
        assertEquals(200, start.statusCode(), "the broken stub still answers /v1/models: " + start.body());
        call("POST", "/v1/experiments/flaky2/advance", ADMIN, null);
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        var r = call("POST", "/v1/chat/completions", CLIENT, body, "X-Flywheel-Unit", "u-f", "X-Request-Id", "req-fallback-1");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("true", r.headers().firstValue("X-Flywheel-Fallback").orElseThrow());
        assertTrue(r.body().contains("reply from base"), r.body());
        InferenceEvent e = awaitEvent("req-fallback-1");
        assertEquals(InferenceStatus.FALLBACK, e.status());
        assertEquals("control", e.variantId());
        assertEquals("treatment", e.attributes().get("assigned_variant"));
        assertTrue(e.error().contains("500"), e.error());
    }

    @Test
    void qaOverrideForcesAVariantAndKeepsItOutOfTheAnalysis() throws Exception {
        call("POST", "/v1/experiments", ADMIN, experiment("qa", other.url().toString(), "l-qa", 100));
        call("POST", "/v1/experiments/qa/start", ADMIN, null);
        String body = "{\"prompt\":\"hello\"}";
        var r = call("POST", "/v1/completions", CLIENT, body, "X-Flywheel-Unit", "u-qa", "X-Flywheel-Variant", "qa:treatment",
                "X-Request-Id", "req-qa-1");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("treatment", r.headers().firstValue("X-Flywheel-Variant").orElseThrow());
        assertEquals("Be exact.\n\nhello", other.received().getLast().path("prompt").asText());
        InferenceEvent e = awaitEvent("req-qa-1");
        assertEquals("", e.experimentId());
        assertEquals("qa", e.attributes().get("forced_experiment"));
        var bad = call("POST", "/v1/completions", CLIENT, body, "X-Flywheel-Variant", "qa:ghost");
        assertEquals(400, bad.statusCode());
        assertEquals("X-Flywheel-Variant", json(bad).path("error").path("field").asText());
    }

    @Test
    void badProxyRequestsNameTheFieldAndNeedAClientToken() throws Exception {
        assertEquals(401, call("POST", "/v1/chat/completions", null, "{}").statusCode());
        var r = call("POST", "/v1/chat/completions", CLIENT, "{\"messages\":[]}");
        assertEquals(400, r.statusCode());
        assertEquals("messages", json(r).path("error").path("field").asText());
        var broken = call("POST", "/v1/chat/completions", CLIENT, "{\"messages\":");
        assertEquals("$", json(broken).path("error").path("field").asText());
        var models = call("GET", "/v1/models", CLIENT, null);
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"base\""), models.body());
    }

    @Test
    void openApiMetricsAndHealthAreOpen() throws Exception {
        var openapi = call("GET", "/openapi.yml", null, null);
        assertEquals(200, openapi.statusCode());
        assertTrue(openapi.body().startsWith("openapi: 3"));
        assertTrue(openapi.body().contains("/v1/experiments/{id}/{action}"));
        assertEquals(200, call("GET", "/health", null, null).statusCode());
        var metrics = call("GET", "/metrics", null, null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("flywheel_splitter_events_lost_total"), metrics.body());
    }
}
