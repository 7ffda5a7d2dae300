package dev.flywheel.eval.evaluators.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * 1 when the completion is one JSON document (and, with a schema, valid against it); 0 with the parser's or the
 * validator's complaint otherwise. Malformed JSON is a legitimate 0, not an evaluator error.
 */
public final class JsonEvaluator implements Evaluator {
    private static final int MAX_REPORTED_ERRORS = 5;

    private final ObjectMapper mapper;
    private final JsonSchema schema;
    private final boolean allowFence;

    /** @param schema null for a validity-only check */
    public JsonEvaluator(JsonSchema schema, boolean allowFence) {
        this.mapper = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
        this.schema = schema;
        this.allowFence = allowFence;
    }

    @Override
    public EvalResult evaluate(EvalInput input) {
        String text = allowFence ? stripFence(input.completion()) : input.completion();
        if (text.isBlank()) {
            return EvalResult.check(false, "completion is empty, not JSON");
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            return EvalResult.check(false, "not valid JSON: " + e.getOriginalMessage());
        }
        if (schema == null) {
            return EvalResult.check(true, "valid JSON");
        }
        Set<ValidationMessage> errors = schema.validate(node);
        if (errors.isEmpty()) {
            return EvalResult.check(true, "valid against the schema");
        }
        String first = errors.stream().limit(MAX_REPORTED_ERRORS).map(ValidationMessage::getMessage).collect(Collectors.joining("; "));
        return EvalResult.ok(0.0, "schema violations (" + errors.size() + "): " + first, Map.of("violations", (double) errors.size()));
    }

    /** Removes one surrounding ``` or ```json fence, if present. */
    static String stripFence(String s) {
        String t = s.strip();
        if (!t.startsWith("```") || !t.endsWith("```") || t.length() < 6) {
            return s;
        }
        int firstNewline = t.indexOf('\n');
        if (firstNewline < 0) {
            return s;
        }
        return t.substring(firstNewline + 1, t.length() - 3);
    }
}
