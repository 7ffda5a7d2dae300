package dev.flywheel.retrain.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The traffic-splitter's experiment API: {@code POST /v1/experiments} (control = champion, treatment = candidate,
 * both on the same engine, plus the policy's {@code deploy.experiment} fields: without a ramp_plan there, the
 * splitter's default 1-5-10-25-50-100 % plan applies), then
 * {@code POST /v1/experiments/{id}/start}, which puts the treatment at the first stage (1 %). A 409 on create
 * (the id exists: a resumed deploy) is followed by a GET; a start of an experiment that is no longer a draft is left.
 */
public final class HttpExperimentLauncher implements ExperimentLauncher {
    private final HttpClient http;
    private final URI splitter;
    private final String adminToken;
    private final ObjectMapper mapper;
    private final ObjectNode experimentFields;

    /**
     * @param experimentFields further fields of every experiment it creates (a policy's deploy.experiment, which
     *                         {@code DeployTarget} hands out as a copy of its own)
     */
    public HttpExperimentLauncher(HttpClient http, URI splitter, String adminToken, ObjectMapper mapper, ObjectNode experimentFields) {
        this.http = http;
        this.splitter = splitter;
        this.adminToken = adminToken;
        this.mapper = mapper;
        this.experimentFields = Objects.requireNonNull(experimentFields, "experimentFields");
    }

    @Override
    public String launch(ExperimentRequest req) throws InterruptedException {
        ObjectNode body = experimentFields.deepCopy();
        body.put("id", req.experimentId());
        if (!body.hasNonNull("description")) {
            body.put("description", req.description());
        }
        body.put("owner", "retrain-scheduler");
        ArrayNode variants = body.putArray("variants");
        variant(variants.addObject(), "champion", req);
        variant(variants.addObject(), "candidate", req);
        body.put("control_variant_id", "champion");
        ObjectNode primary = body.putObject("primary_metric");
        primary.put("metric", req.primaryMetric());
        primary.put("direction", "higher_is_better");
        HttpResponse<String> created = send("POST", "/v1/experiments", body);
        if (created.statusCode() != 201 && created.statusCode() != 409) {
            throw failure("create experiment " + req.experimentId(), created);
        }
        HttpResponse<String> current = send("GET", "/v1/experiments/" + req.experimentId(), null);
        if (current.statusCode() != 200) {
            throw failure("read experiment " + req.experimentId(), current);
        }
        if ("draft".equalsIgnoreCase(status(current.body()))) {
            HttpResponse<String> started = send("POST", "/v1/experiments/" + req.experimentId() + "/start",
                    mapper.createObjectNode().put("reason", "retrain: candidate passed the offline gate"));
            if (started.statusCode() != 200) {
                throw failure("start experiment " + req.experimentId(), started);
            }
        }
        return req.experimentId();
    }

    private void variant(ObjectNode v, String id, ExperimentRequest req) {
        v.put("id", id);
        v.put("backend_url", req.backendUrl().toString());
        v.put("model", id.equals("champion") ? req.championModel() : req.candidateModel());
    }

    private String status(String json) {
        try {
            JsonNode n = mapper.readTree(json);
            return n.path("status").asText("");
        } catch (IOException e) {
            throw new DeployException("splitter answered unreadable JSON: " + e.getMessage(), false, e);
        }
    }

    private HttpResponse<String> send(String method, String path, JsonNode body) throws InterruptedException {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(splitter.resolve(path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + adminToken);
            if (body == null) {
                b.GET();
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)));
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DeployException("traffic-splitter " + splitter + " unreachable (" + method + " " + path + "): " + e.getMessage(), true, e);
        }
    }

    private static DeployException failure(String what, HttpResponse<String> r) {
        return new DeployException("traffic-splitter could not " + what + ": HTTP " + r.statusCode() + " " + r.body(), r.statusCode() >= 500, null);
    }
}
