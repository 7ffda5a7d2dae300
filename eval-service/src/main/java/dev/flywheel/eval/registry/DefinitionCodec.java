package dev.flywheel.eval.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.eval.evaluators.DefinitionException;
import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import dev.flywheel.eval.evaluators.EvaluatorSpec;
import dev.flywheel.eval.evaluators.Sampling;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The JSON form of definitions and records, used by the REST API and the registry topic alike:
 * <pre>{"id": "exact_answer", "version": 1, "description": "...", "type": "numeric",
 *  "config": {"tolerance": 0.01}, "pass_threshold": 1.0,
 *  "sampling": {"rate": 0.1, "experiments": ["exp1"], "variants": []}, "created_at_ms": 1700000000000}</pre>
 * Parsing fails with a {@link DefinitionException} naming the field; unknown fields inside {@code config} are
 * rejected (a misspelt option must not be silently ignored).
 */
public final class DefinitionCodec {
    private final ObjectMapper mapper;
    private final ObjectMapper strict;

    public DefinitionCodec() {
        this.mapper = EventCodec.newMapper();
        this.strict = EventCodec.newMapper().copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Parses the body of a create/new-version request; version and creation time come from the registry. */
    public EvaluatorDefinition parseRequest(JsonNode body, int version, long createdAtMs) {
        if (body == null || !body.isObject()) {
            throw new DefinitionException("$", "expected a JSON object");
        }
        String id = text(body, "id");
        String type = text(body, "type");
        if (type == null) {
            throw new DefinitionException("type", "is required; one of " + new TreeSet<>(EvaluatorSpec.KINDS.keySet()));
        }
        Class<? extends EvaluatorSpec> kind = EvaluatorSpec.KINDS.get(type);
        if (kind == null) {
            throw new DefinitionException("type", "unknown evaluator type '" + type + "'; expected one of "
                    + new TreeSet<>(EvaluatorSpec.KINDS.keySet()));
        }
        JsonNode config = body.has("config") && !body.get("config").isNull() ? body.get("config") : mapper.createObjectNode();
        if (!config.isObject()) {
            throw new DefinitionException("config", "must be a JSON object");
        }
        EvaluatorSpec spec = convert(config, kind, "config");
        Double threshold = null;
        JsonNode t = body.get("pass_threshold");
        if (t != null && !t.isNull()) {
            if (!t.isNumber()) {
                throw new DefinitionException("pass_threshold", "must be a number");
            }
            threshold = t.asDouble();
        }
        Sampling sampling = body.has("sampling") && !body.get("sampling").isNull()
                ? convert(body.get("sampling"), Sampling.class, "sampling") : Sampling.NONE;
        return new EvaluatorDefinition(id, version, text(body, "description"), spec, threshold, sampling, createdAtMs);
    }

    /** Parses a stored definition (the output of {@link #toJson(EvaluatorDefinition)}). */
    public EvaluatorDefinition parseStored(JsonNode node) {
        return parseRequest(node, node.path("version").asInt(0), node.path("created_at_ms").asLong(0));
    }

    public ObjectNode toJson(EvaluatorDefinition d) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", d.id());
        n.put("version", d.version());
        n.put("description", d.description());
        n.put("type", d.type());
        n.set("config", mapper.valueToTree(d.spec()));
        if (d.passThreshold() == null) {
            n.putNull("pass_threshold");
        } else {
            n.put("pass_threshold", d.passThreshold());
        }
        n.set("sampling", mapper.valueToTree(d.sampling()));
        n.put("created_at_ms", d.createdAtMs());
        return n;
    }

    public ObjectNode toJson(EvaluatorRecord r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", r.id());
        n.put("disabled", r.disabled());
        n.put("revision", r.revision());
        n.put("updated_at_ms", r.updatedAtMs());
        n.put("latest_version", r.latest().version());
        ArrayNode versions = n.putArray("versions");
        r.versions().forEach(v -> versions.add(toJson(v)));
        return n;
    }

    public byte[] encode(EvaluatorRecord r) {
        try {
            return mapper.writeValueAsBytes(toJson(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode evaluator record " + r.id(), e);
        }
    }

    public EvaluatorRecord decode(byte[] bytes) {
        try {
            JsonNode n = mapper.readTree(bytes);
            List<EvaluatorDefinition> versions = new ArrayList<>();
            for (JsonNode v : n.path("versions")) {
                versions.add(parseStored(v));
            }
            return new EvaluatorRecord(n.path("id").asText(), versions, n.path("disabled").asBoolean(false),
                    n.path("revision").asLong(0), n.path("updated_at_ms").asLong(0));
        } catch (IOException e) {
            throw new IllegalStateException("unreadable evaluator record: " + e.getMessage(), e);
        }
    }

    private <T> T convert(JsonNode node, Class<T> type, String prefix) {
        try {
            return strict.treeToValue(node, type);
        } catch (IOException e) {
            Throwable c = e;
            while (c != null) {
                if (c instanceof DefinitionException de) {
                    throw de;
                }
                c = c.getCause() == c ? null : c.getCause();
            }
            InvalidEventException iee = EventCodec.translate(e);
            String field = iee.field().equals("$") ? prefix : prefix + "." + iee.field();
            String reason = iee.reason();
            if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
                reason = "unknown field '" + u.getPropertyName() + "' for type " + type.getSimpleName();
            }
            throw new DefinitionException(field, reason, e);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new DefinitionException(field, "must be a string");
        }
        return n.asText();
    }
}
