package dev.flywheel.retrain.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.retrain.bench.ArithmeticSetup;
import dev.flywheel.retrain.policy.PolicyJson;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The real retrain service on a random port, against the test's Kafka namespace and ClickHouse database. */
@ExtendWith(FlywheelServicesExtension.class)
class RetrainApiTest {
    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String CLIENT = "client-token-0123456789abcdef";
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedServer server;
    private URI base;

    @TempDir
    Path work;

    @BeforeEach
    void start(TestServices services) {
        Map<String, Object> props = new HashMap<>(Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                "flywheel.clickhouse.url", services.clickhouse().httpUrl().toString(),
                "flywheel.clickhouse.database", services.clickhouse().database(),
                "flywheel.topics.prefix", services.topics().prefix(),
                "flywheel.auth.admin-tokens", List.of(ADMIN),
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.eval.enabled", false,
                "flywheel.engine.enabled", false));
        props.put("flywheel.retrain.work-dir", work.toString());
        server = ApplicationContext.run(EmbeddedServer.class, props);
        base = server.getURI();
    }

    @AfterEach
    void stop() {
        server.getApplicationContext().close();
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void startingARunNeedsAnAdminTokenAndAKnownPolicy() throws Exception {
        assertEquals(401, send("POST", "/retrain-runs", null, "{\"policy_id\":\"x\"}").statusCode());
        assertEquals(403, send("POST", "/retrain-runs", CLIENT, "{\"policy_id\":\"x\"}").statusCode());
        HttpResponse<String> missing = send("POST", "/retrain-runs", ADMIN, "{\"policy_id\":\"nope\"}");
        assertEquals(404, missing.statusCode());
        HttpResponse<String> bad = send("POST", "/retrain-runs", ADMIN, "{\"policy\":1}");
        assertEquals(400, bad.statusCode());
        assertEquals("policy_id", mapper.readTree(bad.body()).path("error").path("field").asText());
        assertEquals(400, send("POST", "/retrain-runs", ADMIN, "not json").statusCode());
        HttpResponse<String> list = send("GET", "/retrain-runs", CLIENT, null);
        assertEquals(200, list.statusCode());
        assertEquals(0, mapper.readTree(list.body()).path("runs").size());
        assertEquals(404, send("GET", "/retrain-runs/run-unknown", CLIENT, null).statusCode());
    }

    @Test
    void policiesAreValidatedWithTheFieldNamedAndListed() throws Exception {
        ObjectNode p = new PolicyJson(mapper).toJson(ArithmeticSetup.policy("nightly", Path.of("models/arith-tiny"), 1.0, Map.of(), 100));
        ((ObjectNode) p.get("schedule")).put("cron", "0 2 * * *");
        assertEquals(201, send("POST", "/retrain-policies", ADMIN, p.toString()).statusCode());
        ((ObjectNode) p.get("gate")).put("confidence", 2);
        HttpResponse<String> bad = send("POST", "/retrain-policies", ADMIN, p.toString());
        assertEquals(400, bad.statusCode());
        assertEquals("gate.confidence", mapper.readTree(bad.body()).path("error").path("field").asText());
        JsonNode listed = mapper.readTree(send("GET", "/retrain-policies", CLIENT, null).body());
        assertEquals("nightly", listed.path("policies").get(0).path("id").asText());
    }
}
