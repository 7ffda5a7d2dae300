package dev.flywheel.retrain.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The experiment the launcher creates, over real HTTP against a recording splitter stand-in. */
class HttpExperimentLauncherTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aPolicysExperimentFieldsGoIntoTheCreatedExperimentButNeverReplaceTheVariants() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        List<JsonNode> created = new CopyOnWriteArrayList<>();
        HttpServer splitter = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        splitter.createContext("/v1/experiments", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            byte[] answer;
            int status;
            if (ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals("/v1/experiments")) {
                created.add(mapper.readTree(body));
                status = 201;
                answer = body.getBytes(StandardCharsets.UTF_8);
            } else if (ex.getRequestMethod().equals("GET")) {
                status = 200;
                answer = "{\"status\":\"draft\"}".getBytes(StandardCharsets.UTF_8);
            } else {
                status = 200;
                answer = "{\"status\":\"running\"}".getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(status, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        splitter.start();
        try {
            ObjectNode fields = mapper.createObjectNode().put("layer", "nightly-candidates").put("holdout_percent", 5);
            fields.putArray("ramp_plan").addObject().put("percent", 10).put("min_duration_seconds", 60).put("min_samples", 10);
            var launcher = new HttpExperimentLauncher(HttpClient.newHttpClient(),
                    URI.create("http://127.0.0.1:" + splitter.getAddress().getPort()), "admin-token-0123456789", mapper, fields);
            String id = launcher.launch(new ExperimentLauncher.ExperimentRequest("exp-cand-1", "retrain candidate", "base",
                    "cand-1", URI.create("http://127.0.0.1:8000"), "score:exact_answer"));
            assertEquals("exp-cand-1", id);
            assertEquals(List.of("POST /v1/experiments", "GET /v1/experiments/exp-cand-1", "POST /v1/experiments/exp-cand-1/start"), requests);
            JsonNode body = created.getFirst();
            assertEquals("nightly-candidates", body.get("layer").asText());
            assertEquals(5, body.get("holdout_percent").asInt());
            assertEquals(10, body.get("ramp_plan").get(0).get("percent").asInt());
            assertEquals("champion", body.get("control_variant_id").asText());
            assertEquals("cand-1", body.get("variants").get(1).get("model").asText());
            assertEquals("score:exact_answer", body.get("primary_metric").get("metric").asText());
        } finally {
            splitter.stop(0);
        }
    }
}
