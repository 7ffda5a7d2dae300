package dev.flywheel.splitter.proxy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.splitter.experiments.Variant;
import dev.flywheel.splitter.proxy.ProxyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies a variant to an OpenAI request body: its model name, and its overrides (sampling parameters replace the
 * client's; {@code system_prompt} replaces the first system message of a chat, or is inserted first; for
 * {@code /v1/completions} it is prepended to the prompt with a blank line). Also extracts the prompt for the event.
 */
public final class RequestRewriter {
    private final ObjectMapper mapper;

    public RequestRewriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * A copy of {@code body} with the variant applied; {@code body} is not modified. The copy is shallow (members are
     * shared with {@code body}) except {@code messages}, which is copied before a system prompt is written into it:
     * a full deep copy of a long conversation per request bought nothing.
     */
    public ObjectNode apply(ObjectNode body, Variant variant, boolean chat) {
        ObjectNode out = body.objectNode();
        out.setAll(body);
        out.put("model", variant.model());
        for (Map.Entry<String, Object> e : variant.overrides().entrySet()) {
            if (e.getKey().equals("system_prompt")) {
                String prompt = (String) e.getValue();
                if (chat) {
                    setSystemPrompt(out, prompt);
                } else if (out.get("prompt") instanceof JsonNode p && p.isTextual()) {
                    out.put("prompt", prompt + "\n\n" + p.asText());
                }
            } else {
                out.set(e.getKey(), node(e.getValue()));
            }
        }
        return out;
    }

    /** The common override values (numbers, strings, booleans) without a serialisation round trip. */
    private JsonNode node(Object value) {
        return switch (value) {
            case null -> mapper.getNodeFactory().nullNode();
            case Double d -> mapper.getNodeFactory().numberNode(d);
            case Integer i -> mapper.getNodeFactory().numberNode(i);
            case Long l -> mapper.getNodeFactory().numberNode(l);
            case String s -> mapper.getNodeFactory().textNode(s);
            case Boolean b -> mapper.getNodeFactory().booleanNode(b);
            default -> mapper.valueToTree(value);
        };
    }

    private void setSystemPrompt(ObjectNode body, String prompt) {
        if (!(body.get("messages") instanceof ArrayNode shared)) {
            return;
        }
        ArrayNode messages = shared.deepCopy(); // the original's messages stay as the client sent them (for the event)
        body.set("messages", messages);
        for (JsonNode m : messages) {
            if (m instanceof ObjectNode o && "system".equals(o.path("role").asText())) {
                o.put("content", prompt);
                return;
            }
        }
        ObjectNode system = mapper.createObjectNode().put("role", "system").put("content", prompt);
        messages.insert(0, system);
    }

    /** Checks the shape the proxy relies on; the backend validates the rest. */
    public static void validate(ObjectNode body, boolean chat) {
        if (chat) {
            JsonNode messages = body.get("messages");
            if (messages == null || !messages.isArray() || messages.isEmpty()) {
                throw ProxyException.invalid("messages", "is required: a non-empty array of {role, content}");
            }
            for (int i = 0; i < messages.size(); i++) {
                JsonNode m = messages.get(i);
                if (!m.isObject() || !m.path("role").isTextual() || m.path("role").asText().isBlank()) {
                    throw ProxyException.invalid("messages[" + i + "].role", "is required: a non-empty string");
                }
            }
        } else {
            JsonNode prompt = body.get("prompt");
            if (prompt == null || !(prompt.isTextual() || prompt.isArray())) {
                throw ProxyException.invalid("prompt", "is required: a string or an array of strings");
            }
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isTextual()) {
            throw ProxyException.invalid("model", "must be a string");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isBoolean() && !stream.isNull()) {
            throw ProxyException.invalid("stream", "must be a boolean");
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isTextual() && !user.isNull()) {
            throw ProxyException.invalid("user", "must be a string");
        }
    }

    /** The prompt as chat messages (text parts joined), for the event. */
    public static List<ChatMessage> prompt(ObjectNode body, boolean chat) {
        List<ChatMessage> out = new ArrayList<>();
        if (chat) {
            for (JsonNode m : body.path("messages")) {
                out.add(new ChatMessage(m.path("role").asText("user"), text(m.get("content"))));
            }
        } else {
            out.add(new ChatMessage("user", text(body.get("prompt"))));
        }
        return out;
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                String t = part.isTextual() ? part.asText() : part.path("text").asText("");
                if (!t.isEmpty()) {
                    if (!sb.isEmpty()) sb.append('\n');
                    sb.append(t);
                }
            }
            return sb.toString();
        }
        return content.toString();
    }
}
