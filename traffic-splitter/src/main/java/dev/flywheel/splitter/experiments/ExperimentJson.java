package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.flywheel.contracts.events.EventCodec;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * JSON of experiment records and definitions (snake_case, as the contracts): the value format of the compacted
 * topic and of the REST API. Every decoding failure becomes an {@link InvalidExperimentException} naming the full
 * field path ({@code variants[1].backend_url}). Thread-safe.
 */
public final class ExperimentJson {
    public static final int MAX_BYTES = 1024 * 1024;
    private final ObjectMapper mapper;

    public ExperimentJson() {
        this.mapper = EventCodec.newMapper();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public byte[] encode(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public Experiment decodeExperiment(byte[] bytes) {
        return decode(bytes, Experiment.class);
    }

    /** Decodes a JSON object into {@code type}, or throws {@link InvalidExperimentException} naming the field. */
    public <T> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidExperimentException("$", "empty body: expected a JSON object");
        }
        if (bytes.length > MAX_BYTES) {
            throw new InvalidExperimentException("$", "body is " + bytes.length + " bytes, over the limit of " + MAX_BYTES);
        }
        try {
            T value = mapper.readValue(bytes, type);
            if (value == null) {
                throw new InvalidExperimentException("$", "expected a JSON object, got null");
            }
            return value;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /** Maps a Jackson failure (possibly wrapping a record constructor's own error) to the full field path. */
    public static InvalidExperimentException translate(IOException e) {
        String path = "";
        if (e instanceof JsonMappingException jme) {
            path = jme.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
        }
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof InvalidExperimentException iee) {
                if (path.isEmpty()) {
                    return iee;
                }
                String last = path.substring(Math.max(path.lastIndexOf('.'), path.lastIndexOf(']')) + 1);
                return last.equals(iee.field()) || path.endsWith("." + iee.field()) || path.equals(iee.field())
                        ? new InvalidExperimentException(path, iee.reason(), iee)
                        : iee.under(path);
            }
        }
        String field = path.isEmpty() ? "$" : path;
        if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            return new InvalidExperimentException(field, "expected " + describe(mie.getTargetType()), e);
        }
        if (e instanceof JsonMappingException jme) {
            return new InvalidExperimentException(field, jme.getOriginalMessage(), e);
        }
        if (e instanceof JsonProcessingException jpe) {
            return new InvalidExperimentException("$", "malformed JSON: " + jpe.getOriginalMessage(), e);
        }
        return new InvalidExperimentException("$", "unreadable: " + e.getMessage(), e);
    }

    private static String describe(Class<?> type) {
        if (type == String.class) return "a string";
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) return "an integer";
        if (type == double.class || type == Double.class) return "a number";
        if (type == boolean.class || type == Boolean.class) return "a boolean";
        if (java.util.Map.class.isAssignableFrom(type)) return "a JSON object";
        if (java.util.List.class.isAssignableFrom(type)) return "an array";
        if (type == java.net.URI.class) return "a URL string";
        return "a JSON object";
    }
}
