package dev.flywheel.contracts.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * JSON encoding of the contracts: snake_case field names, unknown fields ignored (forward compatible),
 * and every decoding failure turned into an {@link InvalidEventException} that names the field.
 * Thread-safe; create one and share it.
 */
public final class EventCodec {
    /** Default upper bound on one encoded event: larger ones go to the DLQ / get a 413. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

    private final ObjectMapper mapper;
    private final int maxEventBytes;

    public EventCodec() {
        this(DEFAULT_MAX_EVENT_BYTES);
    }

    public EventCodec(int maxEventBytes) {
        if (maxEventBytes < 1024) {
            throw new IllegalArgumentException("maxEventBytes must be at least 1024, got " + maxEventBytes);
        }
        this.maxEventBytes = maxEventBytes;
        this.mapper = newMapper();
    }

    /** The mapper configuration the contracts use; services may use it for their own DTOs. */
    public static ObjectMapper newMapper() {
        // Types are strict: "5" is not a number and 5 is not a string (a producer that sends either has a bug).
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public int maxEventBytes() {
        return maxEventBytes;
    }

    public byte[] encode(Event event) {
        try {
            return mapper.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName() + " " + event.eventId(), e);
        }
    }

    /** Decodes bytes into an event of the given type, or throws {@link InvalidEventException} naming the field. */
    public <T extends Event> T decode(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidEventException("$", "empty message: expected a JSON object");
        }
        if (bytes.length > maxEventBytes) {
            throw new InvalidEventException("$", "event is " + bytes.length + " bytes, over the limit of " + maxEventBytes);
        }
        try {
            T value = mapper.readValue(bytes, type);
            if (value == null) {
                throw new InvalidEventException("$", "expected a JSON object, got null");
            }
            return value;
        } catch (InvalidEventException e) {
            throw e;
        } catch (IOException e) {
            throw translate(e);
        }
    }

    /** Maps a Jackson failure to the field it concerns. */
    public static InvalidEventException translate(IOException e) {
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof InvalidEventException iee) {
                return iee;
            }
            cause = cause.getCause() == cause ? null : cause.getCause();
        }
        if (e instanceof JsonMappingException jme) {
            String path = jme.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String field = path.isEmpty() ? "$" : path;
            if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
                return new InvalidEventException(field, "expected " + describe(mie.getTargetType()), e);
            }
            if (e instanceof ValueInstantiationException vie) {
                return new InvalidEventException(field, "invalid value: " + vie.getOriginalMessage(), e);
            }
            return new InvalidEventException(field, jme.getOriginalMessage(), e);
        }
        if (e instanceof JsonProcessingException jpe) {
            return new InvalidEventException("$", "malformed JSON: " + jpe.getOriginalMessage(), e);
        }
        return new InvalidEventException("$", "unreadable: " + e.getMessage(), e);
    }

    private static String describe(Class<?> type) {
        if (type == String.class) return "a string";
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) return "an integer";
        if (type == double.class || type == Double.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "a boolean";
        if (java.util.Map.class.isAssignableFrom(type)) return "an object of string values";
        if (java.util.List.class.isAssignableFrom(type)) return "an array";
        if (type.isEnum()) return "one of the allowed strings";
        return "a JSON object (" + type.getSimpleName() + ")";
    }
}
