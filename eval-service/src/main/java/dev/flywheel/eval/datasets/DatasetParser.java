package dev.flywheel.eval.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Parses a JSONL upload, one item per non-blank line:
 * <pre>{"messages": [{"role": "user", "content": "12+30="}], "reference": "42", "attributes": {"split": "test"}}</pre>
 * {@code "prompt": "text"} is accepted as a shorthand for one user message. Errors name the line and the field.
 */
public final class DatasetParser {
    private final ObjectMapper mapper;
    private final int maxItems;

    public DatasetParser(ObjectMapper mapper, int maxItems) {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be >= 1, got " + maxItems);
        }
        this.mapper = mapper;
        this.maxItems = maxItems;
    }

    public Dataset parse(String id, String description, byte[] jsonl, long nowMs) {
        String text = new String(jsonl, StandardCharsets.UTF_8);
        List<DatasetItem> items = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (items.size() >= maxItems) {
                throw new DatasetException(lineNo, "$", "a dataset may hold at most " + maxItems + " items");
            }
            items.add(item(items.size(), lineNo, line));
        }
        return new Dataset(id, description, items, sha256(jsonl), nowMs);
    }

    private DatasetItem item(int index, int lineNo, String line) {
        JsonNode n;
        try {
            n = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DatasetException(lineNo, "$", "malformed JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new DatasetException(lineNo, "$", "expected a JSON object");
        }
        List<ChatMessage> messages = new ArrayList<>();
        JsonNode m = n.get("messages");
        if (m != null && !m.isNull()) {
            if (!m.isArray() || m.isEmpty()) {
                throw new DatasetException(lineNo, "messages", "must be a non-empty array of {role, content}");
            }
            for (int i = 0; i < m.size(); i++) {
                JsonNode msg = m.get(i);
                if (!msg.path("role").isTextual() || !msg.path("content").isTextual()) {
                    throw new DatasetException(lineNo, "messages[" + i + "]", "needs string fields role and content");
                }
                try {
                    messages.add(new ChatMessage(msg.get("role").asText(), msg.get("content").asText()));
                } catch (InvalidEventException e) {
                    throw new DatasetException(lineNo, "messages[" + i + "]." + e.field(), e.reason());
                }
            }
        } else if (n.path("prompt").isTextual()) {
            messages.add(new ChatMessage("user", n.get("prompt").asText()));
        } else {
            throw new DatasetException(lineNo, "messages", "is required (or give \"prompt\": \"text\")");
        }
        String reference = null;
        JsonNode r = n.get("reference");
        if (r != null && !r.isNull()) {
            if (!r.isTextual() && !r.isNumber()) {
                throw new DatasetException(lineNo, "reference", "must be a string or a number");
            }
            reference = r.asText();
        }
        Map<String, String> attributes = new HashMap<>();
        JsonNode a = n.get("attributes");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                throw new DatasetException(lineNo, "attributes", "must be an object of strings");
            }
            a.properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
        }
        return new DatasetItem(index, messages, reference, attributes);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
