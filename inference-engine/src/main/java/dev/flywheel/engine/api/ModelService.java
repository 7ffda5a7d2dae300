package dev.flywheel.engine.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.adapters.AdapterException;
import dev.flywheel.engine.adapters.AdapterRegistry;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * /v1/models and vLLM's adapter endpoints without the HTTP framework. Load/unload answer vLLM's plain
 * success sentences; errors are {@link ApiException}s naming the field. Thread-safe.
 */
public final class ModelService {
    private final String baseModelName;
    private final AdapterRegistry adapters;
    private final ObjectMapper mapper;
    private final long created;

    public ModelService(String baseModelName, AdapterRegistry adapters, ObjectMapper mapper, Clock clock) {
        this.baseModelName = Objects.requireNonNull(baseModelName, "baseModelName");
        this.adapters = Objects.requireNonNull(adapters, "adapters");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.created = clock.millis() / 1000;
    }

    /** {"object": "list", "data": [{id, object: "model", created, owned_by, root, parent}]}: the base model first. */
    public String list() {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        model(data, baseModelName, null);
        for (String name : adapters.names().stream().sorted().toList()) {
            model(data, name, baseModelName);
        }
        return write(root);
    }

    /** POST /v1/load_lora_adapter {lora_name, lora_path}. */
    public String load(String body) {
        JsonNode root = object(body);
        String name = text(root, "lora_name");
        String pathText = text(root, "lora_path");
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw ApiException.invalid("lora_path", "lora_path is not a valid path: " + e.getMessage());
        }
        try {
            adapters.load(name, path);
        } catch (AdapterException.InvalidName e) {
            throw ApiException.invalid("lora_name", e.getMessage());
        } catch (AdapterException.Duplicate e) {
            throw ApiException.invalid("lora_name", e.getMessage());
        } catch (AdapterException.LoadFailed e) {
            throw ApiException.invalid("lora_path", e.getMessage());
        }
        return "Success: LoRA adapter '" + name + "' added successfully.";
    }

    /** POST /v1/unload_lora_adapter {lora_name}. */
    public String unload(String body) {
        String name = text(object(body), "lora_name");
        try {
            adapters.unload(name);
        } catch (AdapterException.Unknown e) {
            throw ApiException.notFound("lora_name", e.getMessage());
        }
        return "Success: LoRA adapter '" + name + "' removed successfully.";
    }

    private void model(ArrayNode data, String id, String parent) {
        ObjectNode m = data.addObject();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "flywheel");
        m.put("root", id);
        if (parent == null) {
            m.putNull("parent");
        } else {
            m.put("parent", parent);
        }
    }

    private JsonNode object(String body) {
        try {
            JsonNode root = body == null || body.isBlank() ? null : mapper.readTree(body);
            if (root == null || !root.isObject()) {
                throw ApiException.invalid(null, "the request body must be a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw ApiException.invalid(field, field + " is required");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw ApiException.invalid(field, field + " must be a non-empty string, got " + n);
        }
        return n.asText();
    }

    private String write(Object node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the model list", e);
        }
    }
}
