package dev.flywheel.eval.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.eval.datasets.DatasetConflictException;
import dev.flywheel.eval.datasets.DatasetException;
import dev.flywheel.eval.evaluators.DefinitionException;
import dev.flywheel.eval.registry.DefinitionCodec;
import dev.flywheel.eval.registry.EvaluatorConflictException;
import dev.flywheel.eval.registry.EvaluatorNotFoundException;
import dev.flywheel.eval.registry.RegistryStorageException;
import dev.flywheel.eval.runs.RunNotFoundException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import jakarta.inject.Singleton;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON answers for the controllers, built with our mapper: {@code {"error": {"message", "field", "type"}}} for
 * errors, with the status each typed exception maps to (400 invalid, 404 unknown, 409 conflict, 503 storage down).
 */
@Singleton
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class ApiResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ApiResponses.class);

    private final ObjectMapper mapper;

    public ApiResponses(DefinitionCodec codec) {
        this.mapper = codec.mapper();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Runs the handler and turns typed failures into their HTTP answers. */
    public HttpResponse<String> handle(Callable<HttpResponse<String>> handler) {
        try {
            return handler.call();
        } catch (DefinitionException e) {
            return error(400, e.getMessage(), e.field(), "invalid_request");
        } catch (InvalidEventException e) {
            return error(400, e.getMessage(), e.field(), "invalid_request");
        } catch (DatasetException e) {
            return error(400, e.getMessage(), e.field(), "invalid_request");
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage(), "$", "invalid_request");
        } catch (EvaluatorNotFoundException | RunNotFoundException e) {
            return error(404, e.getMessage(), "$", "not_found");
        } catch (EvaluatorConflictException | DatasetConflictException e) {
            return error(409, e.getMessage(), "$", "conflict");
        } catch (RegistryStorageException e) {
            LOG.error("registry storage unavailable: {}", e.toString());
            return error(503, e.getMessage(), "$", "unavailable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(503, "interrupted", "$", "unavailable");
        } catch (Exception e) {
            LOG.error("request failed", e);
            return error(500, "internal error: " + e.getMessage(), "$", "internal");
        }
    }

    public JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidEventException("$", "request body is empty: expected a JSON object");
        }
        try {
            JsonNode n = mapper.readTree(body);
            if (n == null || !n.isObject()) {
                throw new InvalidEventException("$", "expected a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("$", "malformed JSON: " + e.getOriginalMessage());
        }
    }

    public HttpResponse<String> json(int status, Object body) {
        try {
            return HttpResponse.<String>status(io.micronaut.http.HttpStatus.valueOf(status))
                    .contentType(MediaType.APPLICATION_JSON_TYPE).body(mapper.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode response", e);
        }
    }

    public HttpResponse<String> error(int status, String message, String field, String type) {
        ObjectNode n = mapper.createObjectNode();
        ObjectNode err = n.putObject("error");
        err.put("message", message);
        err.put("field", field);
        err.put("type", type);
        return json(status, n);
    }
}
