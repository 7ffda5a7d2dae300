package dev.flywheel.eval.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.eval.evaluators.EvalInput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a sample for "test an evaluator" and a completion for rewards:
 * <pre>{"prompt": [{"role": "user", "content": "..."}] | "text", "completion": "...", "reference": "..." | null,
 *  "latency_ms": 120, "ttft_ms": 30, "cost": 0.001, "prompt_tokens": 10, "completion_tokens": 5, "attributes": {}}</pre>
 */
final class SampleParser {
    private SampleParser() {}

    static EvalInput input(JsonNode n, String prefix) {
        if (n == null || !n.isObject()) {
            throw new InvalidEventException(prefix, "expected a JSON object");
        }
        JsonNode c = n.get("completion");
        if (c == null || !c.isTextual()) {
            throw new InvalidEventException(prefix + ".completion", "is required and must be a string");
        }
        JsonNode r = n.get("reference");
        String reference = r == null || r.isNull() ? null : r.asText();
        return new EvalInput(n.path("request_id").asText(""), "", "", messages(n.get("prompt"), prefix + ".prompt"), c.asText(),
                reference, number(n, "latency_ms", prefix), number(n, "ttft_ms", prefix), number(n, "cost", prefix),
                (long) number(n, "prompt_tokens", prefix), (long) number(n, "completion_tokens", prefix),
                attributes(n.get("attributes"), prefix + ".attributes"));
    }

    static List<ChatMessage> messages(JsonNode p, String field) {
        List<ChatMessage> out = new ArrayList<>();
        if (p == null || p.isNull()) {
            return out;
        }
        if (p.isTextual()) {
            out.add(new ChatMessage("user", p.asText()));
            return out;
        }
        if (!p.isArray()) {
            throw new InvalidEventException(field, "must be a string or an array of {role, content}");
        }
        for (int i = 0; i < p.size(); i++) {
            JsonNode m = p.get(i);
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new InvalidEventException(field + "[" + i + "]", "needs string fields role and content");
            }
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }

    static Map<String, String> attributes(JsonNode a, String field) {
        Map<String, String> out = new HashMap<>();
        if (a == null || a.isNull()) {
            return out;
        }
        if (!a.isObject()) {
            throw new InvalidEventException(field, "must be an object of strings");
        }
        a.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static double number(JsonNode n, String field, String prefix) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isNumber() || !(v.asDouble() >= 0)) {
            throw new InvalidEventException(prefix + "." + field, "must be a number >= 0");
        }
        return v.asDouble();
    }
}
