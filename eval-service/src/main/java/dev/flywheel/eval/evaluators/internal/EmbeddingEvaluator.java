package dev.flywheel.eval.evaluators.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import java.net.URI;
import java.util.Map;

/** Cosine similarity of the completion's and the reference's embeddings from an OpenAI-compatible /v1/embeddings. */
public final class EmbeddingEvaluator implements Evaluator {
    private final URI endpoint;
    private final String model;
    private final String apiKey;
    private final ResilientHttp http;
    private final ObjectMapper mapper;

    public EmbeddingEvaluator(URI baseUrl, String model, String apiKey, ResilientHttp http, ObjectMapper mapper) {
        this.endpoint = OpenAiPaths.resolve(baseUrl, "embeddings");
        this.model = model;
        this.apiKey = apiKey == null ? "" : apiKey;
        this.http = http;
        this.mapper = mapper;
    }

    @Override
    public EvalResult evaluate(EvalInput input) throws InterruptedException {
        if (!input.hasReference()) {
            return EvalResult.skipped("embedding_cosine needs a reference, and this input has none");
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("model", model);
        body.putArray("input").add(input.completion()).add(input.reference());
        String answer;
        try {
            answer = http.postJson(endpoint, body.toString(), apiKey.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey));
        } catch (CallFailedException e) {
            return EvalResult.error("embedding call failed: " + e.getMessage());
        }
        try {
            JsonNode data = mapper.readTree(answer).path("data");
            double[] a = vector(data, 0);
            double[] b = vector(data, 1);
            if (a == null || b == null || a.length != b.length || a.length == 0) {
                return EvalResult.error("embedding response lacks two vectors of equal length: " + ResilientHttp.abbreviate(answer));
            }
            double cos = cosine(a, b);
            return Double.isFinite(cos) ? EvalResult.ok(cos, "cosine " + cos)
                    : EvalResult.error("a zero embedding vector has no cosine");
        } catch (JsonProcessingException e) {
            return EvalResult.error("embedding endpoint answered with malformed JSON: " + e.getOriginalMessage());
        }
    }

    /** data[i].embedding, matched by its "index" field when present (the API does not promise order). */
    private static double[] vector(JsonNode data, int index) {
        for (int k = 0; k < data.size(); k++) {
            JsonNode item = data.get(k);
            int idx = item.has("index") ? item.get("index").asInt() : k;
            if (idx == index) {
                JsonNode e = item.path("embedding");
                if (!e.isArray()) {
                    return null;
                }
                double[] v = new double[e.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = e.get(i).asDouble();
                }
                return v;
            }
        }
        return null;
    }

    static double cosine(double[] a, double[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }
}
