package dev.flywheel.engine.api.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.engine.api.ApiException;
import dev.flywheel.engine.sampling.InvalidSamplingException;
import dev.flywheel.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses OpenAI completion and chat-completion bodies. Every problem becomes an
 * {@link ApiException#invalid} naming the field. Fields the engine cannot honour (logprobs,
 * penalties, echo, ...) are rejected rather than silently ignored. Thread-safe.
 */
public final class RequestParser {
    /** Most choices ({@code n}) one request may ask for: each is a sequence of its own in the batch. */
    public static final int MAX_CHOICES = 16;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");
    /** Fields accepted only at their neutral value: name → neutral value description. */
    private static final Map<String, String> NEUTRAL = Map.of(
            "presence_penalty", "0", "frequency_penalty", "0", "logprobs", "null or false", "echo", "false",
            "best_of", "1", "logit_bias", "null", "suffix", "null", "top_logprobs", "null", "tools", "null");

    private final ObjectMapper mapper;

    public RequestParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ParsedRequest parse(String body, boolean chat) {
        JsonNode root = readObject(body);
        String model = requiredString(root, "model");
        String prompt = null;
        List<ChatMessage> messages = null;
        if (chat) {
            messages = messages(root.get("messages"));
        } else {
            prompt = prompt(root.get("prompt"));
        }
        rejectUnsupported(root);
        Integer maxTokens = optionalInt(root, chat && root.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        double temperature = optionalNumber(root, "temperature", 1.0);
        double topP = optionalNumber(root, "top_p", 1.0);
        Integer topK = optionalInt(root, "top_k");
        int k = topK == null || topK == -1 ? 0 : topK;
        Integer n = optionalInt(root, "n");
        if (n != null && (n < 1 || n > MAX_CHOICES)) {
            throw ApiException.invalid("n", "n must be between 1 and " + MAX_CHOICES + " (choices per request), got " + n);
        }
        JsonNode seedNode = root.get("seed");
        Long seed = null;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.canConvertToLong() || !seedNode.isIntegralNumber()) {
                throw ApiException.invalid("seed", "seed must be an integer, got " + seedNode);
            }
            seed = seedNode.longValue();
        }
        boolean stream = optionalBoolean(root, "stream");
        ParsedRequest parsed = new ParsedRequest(chat, model, prompt, messages, maxTokens, temperature, topP, k,
                stop(root.get("stop")), seed, stream, n == null ? 1 : n);
        try {
            parsed.params(maxTokens == null ? 1 : maxTokens);
        } catch (InvalidSamplingException e) {
            String param = chat && e.param().equals("max_tokens") && root.hasNonNull("max_completion_tokens")
                    ? "max_completion_tokens" : e.param();
            throw ApiException.invalid(param, e.getMessage().replaceFirst("^max_tokens", param));
        }
        return parsed;
    }

    private JsonNode readObject(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.invalid(null, "the request body must be a JSON object, got an empty body");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        return root;
    }

    private static String requiredString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw ApiException.invalid(field, field + " is required");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw ApiException.invalid(field, field + " must be a non-empty string, got " + n);
        }
        return n.asText();
    }

    private static String prompt(JsonNode n) {
        if (n == null || n.isNull()) {
            throw ApiException.invalid("prompt", "prompt is required");
        }
        if (n.isArray() && n.size() == 1 && n.get(0).isTextual()) {
            n = n.get(0);
        }
        if (!n.isTextual()) {
            throw ApiException.invalid("prompt", "prompt must be a string (or an array of exactly one string), got " + brief(n));
        }
        if (n.asText().isEmpty()) {
            throw ApiException.invalid("prompt", "prompt must not be empty");
        }
        return n.asText();
    }

    private static List<ChatMessage> messages(JsonNode n) {
        if (n == null || n.isNull()) {
            throw ApiException.invalid("messages", "messages is required");
        }
        if (!n.isArray() || n.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array of {role, content}, got " + brief(n));
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.invalid(where, where + " must be an object with role and content, got " + brief(m));
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw ApiException.invalid(where + ".role", where + ".role must be one of " + ROLES.stream().sorted().toList()
                        + ", got " + role);
            }
            try {
                out.add(new ChatMessage(role.asText(), content(m.get("content"), where + ".content")));
            } catch (InvalidEventException e) {
                throw ApiException.invalid(where + ".content", where + "." + e.getMessage());
            }
        }
        return out;
    }

    /** A string, or an array of {"type": "text", "text": ...} parts joined. */
    private static String content(JsonNode n, String where) {
        if (n == null || n.isNull()) {
            throw ApiException.invalid(where, where + " is required");
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : n) {
                if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                    throw ApiException.invalid(where, where + " parts must be {\"type\": \"text\", \"text\": ...}; got " + brief(part));
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(where, where + " must be a string or an array of text parts, got " + brief(n));
    }

    private static List<String> stop(JsonNode n) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (n.isTextual()) {
            return List.of(n.asText());
        }
        if (n.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : n) {
                if (!s.isTextual()) {
                    throw ApiException.invalid("stop", "stop must be a string or an array of strings, got element " + s);
                }
                out.add(s.asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "stop must be a string or an array of strings, got " + brief(n));
    }

    private static void rejectUnsupported(JsonNode root) {
        for (Map.Entry<String, String> e : NEUTRAL.entrySet()) {
            JsonNode n = root.get(e.getKey());
            if (n == null || n.isNull() || (n.isBoolean() && !n.asBoolean())
                    || (n.isNumber() && n.asDouble() == (e.getKey().equals("best_of") ? 1 : 0))) {
                continue;
            }
            throw ApiException.invalid(e.getKey(), e.getKey() + " is not supported by this engine (only " + e.getValue() + ")");
        }
    }

    private static Integer optionalInt(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.invalid(field, field + " must be an integer, got " + brief(n));
        }
        return n.intValue();
    }

    private static double optionalNumber(JsonNode root, String field, double fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw ApiException.invalid(field, field + " must be a number, got " + brief(n));
        }
        return n.doubleValue();
    }

    private static boolean optionalBoolean(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiException.invalid(field, field + " must be true or false, got " + brief(n));
        }
        return n.asBoolean();
    }

    private static String brief(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
