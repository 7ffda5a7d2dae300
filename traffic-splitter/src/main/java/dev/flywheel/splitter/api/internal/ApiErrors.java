package dev.flywheel.splitter.api.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.splitter.experiments.ExperimentConflictException;
import dev.flywheel.splitter.experiments.ExperimentNotFoundException;
import dev.flywheel.splitter.experiments.InvalidExperimentException;
import dev.flywheel.splitter.experiments.StoreUnavailableException;
import dev.flywheel.splitter.proxy.ProxyException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Typed errors → {@code {"error": {"message", "field", "type"}}} with their HTTP status; unexpected ones are logged. */
public final class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
    private final ObjectMapper mapper;

    public ApiErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public MutableHttpResponse<String> of(Throwable failure) {
        Throwable t = ProxyException.unwrap(failure);
        return switch (t) {
            case InvalidExperimentException e -> json(400, e.reason(), e.field(), "invalid_request");
            case ProxyException e -> json(e.status(), e.getMessage(), e.field(), e.type());
            case ExperimentNotFoundException e -> json(404, e.getMessage(), "id", "not_found");
            case ExperimentConflictException e -> json(409, e.getMessage(), "status", e.retriable() ? "version_conflict" : "illegal_transition");
            case StoreUnavailableException e -> {
                LOG.warn("experiment store unavailable: {}", e.getMessage());
                yield json(503, e.getMessage(), "$", "unavailable").header("Retry-After", "2");
            }
            default -> {
                LOG.error("unexpected failure", t);
                yield json(500, "internal error: " + t.getClass().getSimpleName(), "$", "internal");
            }
        };
    }

    public MutableHttpResponse<String> json(int status, String message, String field, String type) {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("error").put("message", message).put("field", field).put("type", type);
        try {
            return HttpResponse.<String>status(HttpStatus.valueOf(status)).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(mapper.writeValueAsString(root));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode error", e);
        }
    }
}
