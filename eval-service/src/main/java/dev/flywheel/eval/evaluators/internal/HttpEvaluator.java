package dev.flywheel.eval.evaluators.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * The "reward needs internal product state" case: POSTs the request, completion and reference to an application's
 * reward endpoint and reads back {"score": number, "reason": "...", "metrics": {"name": number}}. Every failure
 * (timeout after retries, open breaker, non-numeric score) is an error result, never a 0.
 */
public final class HttpEvaluator implements Evaluator {
    private final URI url;
    private final ResilientHttp http;
    private final ObjectMapper mapper;

    public HttpEvaluator(URI url, ResilientHttp http, ObjectMapper mapper) {
        this.url = url;
        this.http = http;
        this.mapper = mapper;
    }

    public ResilientHttp http() {
        return http;
    }

    @Override
    public EvalResult evaluate(EvalInput input) throws InterruptedException {
        String answer;
        try {
            answer = http.postJson(url, WireJson.rewardRequest(mapper, input).toString(), Map.of("Accept", "application/json"));
        } catch (CallFailedException e) {
            return EvalResult.error(e.getMessage());
        }
        JsonNode node;
        try {
            node = mapper.readTree(answer);
        } catch (JsonProcessingException e) {
            return EvalResult.error("reward endpoint answered with malformed JSON: " + e.getOriginalMessage());
        }
        JsonNode score = node == null ? null : node.get("score");
        if (score == null || !score.isNumber() || !Double.isFinite(score.asDouble())) {
            return EvalResult.error("reward endpoint answered without a finite numeric 'score': " + ResilientHttp.abbreviate(answer));
        }
        Map<String, Double> metrics = new HashMap<>();
        JsonNode m = node.get("metrics");
        if (m != null && m.isObject()) {
            m.properties().forEach(e -> {
                if (e.getValue().isNumber()) {
                    metrics.put(e.getKey(), e.getValue().asDouble());
                }
            });
        }
        String reason = node.path("reason").asText("");
        return EvalResult.ok(score.asDouble(), reason, metrics);
    }
}
