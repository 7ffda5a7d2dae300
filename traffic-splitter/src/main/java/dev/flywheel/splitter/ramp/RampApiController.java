package dev.flywheel.splitter.ramp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.splitter.experiments.ExperimentConflictException;
import dev.flywheel.splitter.experiments.ExperimentNotFoundException;
import dev.flywheel.splitter.stats.StatsUnavailableException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Results and decisions over REST, beside the splitter's experiment controller (same base path, routes that do not
 * clash): {@code GET /v1/experiments/{id}/results}, {@code GET /v1/experiments/{id}/decisions?limit=100} (client
 * token), and audited manual overrides {@code POST /v1/experiments/{id}/ramp/{pause|resume|advance|rollback|promote}}
 * with body {@code {"reason": "...", "actor": "...", "variant_id": "..."}} (admin token, by the splitter's filter).
 */
@Controller("/v1/experiments")
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public class RampApiController {
    private static final int MAX_LIMIT = 1000;

    private final RampController ramp;
    private final ObjectMapper mapper = EventCodec.newMapper();

    public RampApiController(RampController ramp) {
        this.ramp = ramp;
    }

    @Get(uri = "/{id}/results", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> results(@PathVariable String id) {
        return handle(() -> ramp.results(id));
    }

    @Get(uri = "/{id}/decisions", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> decisions(@PathVariable String id, @Nullable @QueryValue String limit) {
        return handle(() -> {
            int n = parseLimit(limit);
            return Map.of("experiment_id", id, "decisions", ramp.decisions(id, n));
        });
    }

    @Post(uri = "/{id}/ramp/{action}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> override(@PathVariable String id, @PathVariable String action, @Nullable @Body byte[] body) {
        return handle(() -> {
            DecisionKind kind = DecisionKind.parse("action", action);
            JsonNode tree = parse(body);
            String reason = text(tree, "reason", true);
            String actor = text(tree, "actor", false);
            return ramp.override(id, kind, text(tree, "variant_id", false), actor.isEmpty() ? "admin" : actor, reason);
        });
    }

    private static int parseLimit(String limit) {
        if (limit == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            throw new FieldException("limit", "must be an integer from 1 to " + MAX_LIMIT + ", got '" + limit + "'", e);
        }
        throw new FieldException("limit", "must be an integer from 1 to " + MAX_LIMIT + ", got '" + limit + "'", null);
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new FieldException("body", "is required: {\"reason\": \"...\"}", null);
        }
        try {
            JsonNode tree = mapper.readTree(body);
            if (tree == null || !tree.isObject()) {
                throw new FieldException("body", "must be a JSON object", null);
            }
            return tree;
        } catch (java.io.IOException e) {
            throw new FieldException("body", "is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode tree, String field, boolean required) {
        JsonNode v = tree.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new FieldException(field, "is required", null);
            }
            return "";
        }
        if (!v.isTextual() || v.asText().length() > 2000 || (required && v.asText().isBlank())) {
            throw new FieldException(field, "must be a non-empty string of at most 2000 characters", null);
        }
        return v.asText();
    }

    private MutableHttpResponse<String> handle(Supplier<Object> action) {
        try {
            return json(HttpStatus.OK, action.get());
        } catch (FieldException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage(), e.field, "invalid_request");
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage(), "", "invalid_request");
        } catch (ExperimentNotFoundException e) {
            return error(HttpStatus.NOT_FOUND, e.getMessage(), "id", "not_found");
        } catch (ExperimentConflictException e) {
            return error(HttpStatus.CONFLICT, e.getMessage(), "", "conflict");
        } catch (StatsUnavailableException | DecisionLog.DecisionLogException e) {
            return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), "", "unavailable");
        }
    }

    private MutableHttpResponse<String> json(HttpStatus status, Object body) {
        try {
            return HttpResponse.<String>status(status).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(new String(mapper.writeValueAsBytes(body), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response: " + e.getMessage(), e);
        }
    }

    private MutableHttpResponse<String> error(HttpStatus status, String message, String field, String type) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("field", field);
        error.put("type", type);
        return json(status, Map.of("error", error));
    }

    /** A bad request naming the offending field. */
    private static final class FieldException extends RuntimeException {
        private final String field;

        FieldException(String field, String message, Throwable cause) {
            super(field + " " + message, cause);
            this.field = field;
        }
    }
}
