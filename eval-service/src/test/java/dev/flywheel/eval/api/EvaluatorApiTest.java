package dev.flywheel.eval.api;

import static dev.flywheel.eval.api.EvalServer.ADMIN;
import static dev.flywheel.eval.api.EvalServer.CLIENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluatorApiTest {
    private static final ObjectMapper JSON = EventCodec.newMapper();
    private TestServices services;
    private EvalServer server;

    @BeforeAll
    void start(TestServices services) {
        this.services = services;
        this.server = new EvalServer(services, Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        EvalServer.deleteRegistryTopic(services);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private void assertBadRequest(String body, String field, String fragment) throws Exception {
        var r = server.send("POST", "/v1/evaluators", ADMIN, body);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = json(r).get("error");
        assertEquals(field, err.get("field").asText(), r.body());
        assertTrue(err.get("message").asText().contains(fragment), r.body());
    }

    @Test
    void createVersionListTestAndDisableAnEvaluator() throws Exception {
        var created = server.send("POST", "/v1/evaluators", ADMIN,
                "{\"id\":\"answer\",\"type\":\"numeric\",\"config\":{\"tolerance\":0.5},\"pass_threshold\":1}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(1, json(created).get("version").asInt());
        assertEquals(409, server.send("POST", "/v1/evaluators", ADMIN, "{\"id\":\"answer\",\"type\":\"json_valid\"}").statusCode());

        var v2 = server.send("POST", "/v1/evaluators/answer/versions", ADMIN, "{\"type\":\"numeric\",\"config\":{\"tolerance\":0}}");
        assertEquals(201, v2.statusCode(), v2.body());
        assertEquals(2, json(v2).get("version").asInt());
        assertEquals(0.5, json(server.send("GET", "/v1/evaluators/answer/versions/1", CLIENT, null)).at("/config/tolerance").asDouble());

        var tested = server.send("POST", "/v1/evaluators/answer/test", CLIENT,
                "{\"version\":1,\"sample\":{\"prompt\":\"2+2?\",\"completion\":\"It is 4.4\",\"reference\":\"4\"}}");
        assertEquals(200, tested.statusCode(), tested.body());
        assertEquals(1.0, json(tested).get("score").asDouble());
        assertTrue(json(tested).get("passed").asBoolean());
        var latest = json(server.send("POST", "/v1/evaluators/answer/test", CLIENT,
                "{\"sample\":{\"completion\":\"It is 4.4\",\"reference\":\"4\"}}"));
        assertEquals(0.0, latest.get("score").asDouble());
        assertEquals(2, latest.get("evaluator_version").asInt());

        var disabled = server.send("POST", "/v1/evaluators/answer/disable", ADMIN, null);
        assertEquals(200, disabled.statusCode(), disabled.body());
        JsonNode list = json(server.send("GET", "/v1/evaluators", CLIENT, null));
        JsonNode answer = null;
        for (JsonNode e : list.get("evaluators")) {
            if (e.get("id").asText().equals("answer")) {
                answer = e;
            }
        }
        assertTrue(answer != null && answer.get("disabled").asBoolean(), list.toString());
        assertEquals(2, answer.get("versions").size());
        assertEquals(404, server.send("GET", "/v1/evaluators/nope", CLIENT, null).statusCode());
    }

    @Test
    void changesNeedAnAdminTokenAndReadsAClientToken() {
        assertEquals(401, server.send("GET", "/v1/evaluators", null, null).statusCode());
        assertEquals(401, server.send("GET", "/v1/evaluators", "not-a-known-token-at-all", null).statusCode());
        assertEquals(403, server.send("POST", "/v1/evaluators", CLIENT, "{\"id\":\"x\",\"type\":\"json_valid\"}").statusCode());
        assertEquals(200, server.send("GET", "/health", null, null).statusCode());
        assertTrue(server.send("GET", "/metrics", null, null).body().contains("jvm") || server.send("GET", "/metrics", null, null).statusCode() == 200);
    }

    @Test
    void invalidDefinitionsAreRejectedWithTheFieldNamed() throws Exception {
        assertBadRequest("{\"id\":\"r1\",\"type\":\"regex\",\"config\":{\"pattern\":\"(unclosed\"}}", "config.pattern", "not a valid regular expression");
        assertBadRequest("{\"id\":\"s1\",\"type\":\"json_schema\",\"config\":{\"schema\":{\"type\":\"nonsense\"}}}", "config.schema", "not a valid JSON Schema");
        assertBadRequest("{\"id\":\"s2\",\"type\":\"json_schema\",\"config\":{\"schema\":{\"$ref\":\"http://169.254.169.254/x\"}}}", "config.schema.$ref", "only local references");
        assertBadRequest("{\"id\":\"t1\",\"type\":\"sentiment\"}", "type", "unknown evaluator type 'sentiment'");
        assertBadRequest("{\"id\":\"Bad-Id\",\"type\":\"json_valid\"}", "id", "must match");
        assertBadRequest("{\"id\":\"p1\",\"type\":\"regex\",\"config\":{\"pattern\":\"x\",\"cas_insensitive\":true}}", "config.cas_insensitive", "unknown field 'cas_insensitive'");
        assertBadRequest("{\"id\":\"h1\",\"type\":\"http\",\"config\":{\"url\":\"ftp://x\"}}", "config.url", "http://");
        assertBadRequest("{\"id\":\"n1\",\"type\":\"numeric\",\"config\":{\"tolerance\":\"a lot\"}}", "config.tolerance", "expected");
        assertBadRequest("{\"id\":\"j1\",\"type\":\"llm_judge\",\"config\":{\"rubric\":\"grade it\"}}", "config.base_url", "judge backend");
        assertBadRequest("{\"id\":\"e1\",\"type\":\"embedding_cosine\"}", "type", "embedding backend");
        assertBadRequest("not json", "$", "malformed JSON");

        assertEquals(201, server.send("POST", "/v1/evaluators", ADMIN, "{\"id\":\"fmt\",\"type\":\"json_valid\"}").statusCode());
        assertBadRequest("{\"id\":\"c1\",\"type\":\"composite\",\"config\":{\"components\":[{\"evaluator\":\"ghost\"}]}}",
                "config.components[0].evaluator", "unknown evaluator 'ghost'");
        assertBadRequest("{\"id\":\"c2\",\"type\":\"composite\",\"config\":{\"components\":[{\"evaluator\":\"fmt\"}],\"formula\":\"fmt * quality\"}}",
                "config.formula", "unknown evaluator 'quality'");
        assertBadRequest("{\"id\":\"c3\",\"type\":\"composite\",\"config\":{\"components\":[{\"evaluator\":\"c3\"}]}}",
                "config.components[0].evaluator", "cycle: c3 -> c3");
        // fmt <- wrap; then a new version of fmt that wraps "wrap" closes a cycle fmt -> wrap -> fmt
        assertEquals(201, server.send("POST", "/v1/evaluators", ADMIN,
                "{\"id\":\"wrap\",\"type\":\"composite\",\"config\":{\"components\":[{\"evaluator\":\"fmt\",\"weight\":2}]}}").statusCode());
        var cyc = server.send("POST", "/v1/evaluators/fmt/versions", ADMIN,
                "{\"type\":\"composite\",\"config\":{\"components\":[{\"evaluator\":\"wrap\"}]}}");
        assertEquals(400, cyc.statusCode(), cyc.body());
        assertTrue(json(cyc).at("/error/message").asText().contains("cycle: fmt -> wrap -> fmt"), cyc.body());
    }

    @Test
    void registrySurvivesARestart() throws Exception {
        assertEquals(201, server.send("POST", "/v1/evaluators", ADMIN,
                "{\"id\":\"durable\",\"type\":\"length\",\"config\":{\"max_chars\":10},\"sampling\":{\"rate\":0.25}}").statusCode());
        try (EvalServer second = new EvalServer(services, Map.of())) {
            var r = second.send("GET", "/v1/evaluators/durable", CLIENT, null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(0.25, json(r).at("/versions/0/sampling/rate").asDouble());
            assertEquals(10, json(r).at("/versions/0/config/max_chars").asInt());
        }
    }

    @Test
    void rewardEndpointScoresAGroupWithTheRegisteredEvaluator() throws Exception {
        assertEquals(201, server.send("POST", "/v1/evaluators", ADMIN,
                "{\"id\":\"exact\",\"type\":\"numeric\",\"pass_threshold\":1}").statusCode());
        var r = server.send("POST", "/v1/rewards", CLIENT, "{\"evaluator\":\"exact\",\"group\":["
                + "{\"prompt\":\"12+30=\",\"completion\":\"42\",\"reference\":\"42\"},"
                + "{\"prompt\":\"12+30=\",\"completion\":\"41\",\"reference\":\"42\"},"
                + "{\"prompt\":\"12+30=\",\"completion\":\"no idea\",\"reference\":\"42\"},"
                + "{\"prompt\":\"12+30=\",\"completion\":\"42\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode rewards = json(r).get("rewards");
        assertEquals(1.0, rewards.get(0).get("score").asDouble());
        assertEquals(0.0, rewards.get(1).get("score").asDouble());
        assertEquals(0.0, rewards.get(2).get("score").asDouble());
        assertEquals("skipped", rewards.get(3).get("status").asText());
        assertTrue(rewards.get(3).get("score").isNull());
        var bad = server.send("POST", "/v1/rewards", CLIENT, "{\"evaluator\":\"exact\",\"group\":[{\"prompt\":\"x\"}]}");
        assertEquals(400, bad.statusCode());
        assertEquals("group[0].completion", json(bad).at("/error/field").asText());
    }

    @Test
    void datasetsUploadAsJsonlAndBadLinesAreNamed() throws Exception {
        String jsonl = "{\"messages\":[{\"role\":\"user\",\"content\":\"1+1=\"}],\"reference\":\"2\"}\n\n{\"prompt\":\"2+2=\",\"reference\":4}\n";
        var created = server.send("PUT", "/v1/datasets/arith-v1?description=adds", ADMIN, jsonl);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(2, json(created).get("items").asInt());
        assertEquals(200, server.send("PUT", "/v1/datasets/arith-v1", ADMIN, jsonl).statusCode(), "identical re-upload");
        assertEquals(409, server.send("PUT", "/v1/datasets/arith-v1", ADMIN, "{\"prompt\":\"other\"}").statusCode());
        assertEquals(2, json(server.send("GET", "/v1/datasets/arith-v1", CLIENT, null)).get("item_count").asInt());
        var bad = server.send("PUT", "/v1/datasets/broken", ADMIN, "{\"prompt\":\"ok\"}\n{\"reference\":\"x\"}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(json(bad).at("/error/message").asText().startsWith("line 2: messages"), bad.body());
        assertEquals(403, server.send("PUT", "/v1/datasets/x", CLIENT, jsonl).statusCode());
        var run = server.send("POST", "/v1/eval-runs", ADMIN, "{\"dataset_id\":\"missing\",\"variant\":{\"base_url\":\"http://127.0.0.1:9\","
                + "\"model\":\"m\"},\"evaluators\":[\"fmt\"]}");
        assertEquals(400, run.statusCode(), run.body());
    }
}
