package dev.flywheel.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every service runs in one JVM, each on its own port with only its own routes, against the real Kafka and ClickHouse. */
@ExtendWith(FlywheelServicesExtension.class)
class FlywheelLauncherTest {
    static final String ADMIN = "admin-token-for-launcher-test";
    static final String CLIENT = "client-token-for-launcher-test";

    static Map<String, Object> common(TestServices services) {
        Map<String, Object> p = new HashMap<>();
        p.put("flywheel.kafka.bootstrap-servers", services.kafkaBootstrap());
        p.put("flywheel.clickhouse.url", services.clickhouse().httpUrl().toString());
        p.put("flywheel.clickhouse.database", services.clickhouse().database());
        p.put("flywheel.topics.prefix", services.topics().prefix());
        p.put("flywheel.auth.admin-tokens", List.of(ADMIN));
        p.put("flywheel.auth.client-tokens", List.of(CLIENT));
        p.put("flywheel.engine.model-dir", Path.of("../inference-engine/models/arith-tiny").toAbsolutePath().normalize().toString());
        return p;
    }

    @Test
    void servicesShareOneJvmButNotTheirRoutes(TestServices services) throws Exception {
        Map<Service, Map<String, Object>> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, Map.of("micronaut.server.port", -1));
        }
        var wanted = EnumSet.of(Service.ENGINE, Service.INGEST, Service.EVAL, Service.SPLITTER);
        try (var launcher = FlywheelLauncher.start(wanted, common(services), ports);
             HttpClient http = HttpClient.newHttpClient()) {
            assertEquals(wanted, launcher.services());
            for (Service s : wanted) {
                assertEquals(200, get(http, launcher.uri(s).resolve("/health")).statusCode(), s + " health");
            }
            // The engine serves the shipped model; the splitter answers the same path with its own experiments view.
            var engineModels = get(http, launcher.uri(Service.ENGINE).resolve("/v1/models"));
            assertEquals(200, engineModels.statusCode(), engineModels.body());
            assertTrue(engineModels.body().contains("arith-tiny"), engineModels.body());
            // Feedback is ingest's route only: ingest validates the body, the eval service has no such route.
            var ingest = post(http, launcher.uri(Service.INGEST).resolve("/v1/feedback"), "{}");
            assertEquals(400, ingest.statusCode(), ingest.body());
            assertTrue(ingest.body().contains("request_id"), ingest.body());
            assertNotEquals(400, post(http, launcher.uri(Service.EVAL).resolve("/v1/feedback"), "{}").statusCode());
        }
    }

    @Test
    void theSplitterProxiesToTheEngineWholeAndStreamed(TestServices services) throws Exception {
        int enginePort;
        try (var probe = new java.net.ServerSocket(0)) {
            enginePort = probe.getLocalPort();
        }
        Map<String, Object> props = common(services);
        props.put("flywheel.splitter.default-backend-url", "http://127.0.0.1:" + enginePort);
        props.put("flywheel.splitter.backend-token", CLIENT);
        Map<Service, Map<String, Object>> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, Map.of("micronaut.server.port", s == Service.ENGINE ? enginePort : -1));
        }
        try (var launcher = FlywheelLauncher.start(EnumSet.of(Service.ENGINE, Service.SPLITTER), props, ports);
             HttpClient http = HttpClient.newHttpClient()) {
            URI chat = launcher.uri(Service.SPLITTER).resolve("/v1/chat/completions");
            String ask = "{\"model\":\"arith-tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"12+30=\"}],\"max_tokens\":6";
            var whole = post(http, chat, ask + "}");
            assertEquals(200, whole.statusCode(), whole.body());
            assertTrue(whole.body().contains("\"choices\"") && whole.body().contains("\"usage\""), whole.body());
            var streamed = post(http, chat, ask + ",\"stream\":true}");
            assertEquals(200, streamed.statusCode(), streamed.body());
            assertTrue(streamed.body().contains("data: [DONE]"), streamed.body());
            // Both went through the splitter's lean Netty path (not Micronaut's route).
            String metrics = get(http, launcher.uri(Service.SPLITTER).resolve("/metrics")).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("flywheel_splitter_fast_path_requests_total") && l.endsWith(" 2.0")), metrics);
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + CLIENT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + CLIENT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
