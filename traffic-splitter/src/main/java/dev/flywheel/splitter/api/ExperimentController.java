package dev.flywheel.splitter.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.splitter.api.internal.ApiErrors;
import dev.flywheel.splitter.experiments.ExperimentDefinition;
import dev.flywheel.splitter.experiments.ExperimentJson;
import dev.flywheel.splitter.experiments.ExperimentNotFoundException;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.InvalidExperimentException;
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
import io.micronaut.http.annotation.Put;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * {@code /v1/experiments}: create, read, list, update (draft), and the transitions
 * {@code POST /v1/experiments/{id}/{start|advance|pause|resume|rollback|promote|archive}} with an optional body
 * {@code {"reason": "...", "expected_version": 3, "variant_id": "t1"}}. Changes need an admin token.
 */
@Controller("/v1/experiments")
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public final class ExperimentController {
    private final ExperimentService service;
    private final ExperimentJson json;
    private final ApiErrors errors;

    public ExperimentController(ExperimentService service, ExperimentJson json) {
        this.service = service;
        this.json = json;
        this.errors = new ApiErrors(json.mapper());
    }

    @Post(consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> create(@Nullable @Body byte[] body) {
        return handle(HttpStatus.CREATED, () -> service.create(json.decode(body, ExperimentDefinition.class)));
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> list() {
        return handle(HttpStatus.OK, () -> java.util.Map.of("experiments", service.list()));
    }

    @Get(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> get(@PathVariable String id) {
        return handle(HttpStatus.OK, () -> service.get(id).orElseThrow(() -> new ExperimentNotFoundException(id)));
    }

    @Put(uri = "/{id}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> update(@PathVariable String id, @Nullable @Body byte[] body) {
        return handle(HttpStatus.OK, () -> {
            JsonNode tree = tree(body);
            OptionalLong expected = expectedVersion(tree);
            if (tree instanceof ObjectNode object) {
                object.remove("expected_version");
            }
            return service.update(id, json.decode(json.encode(tree), ExperimentDefinition.class), expected);
        });
    }

    @Post(uri = "/{id}/{action}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public MutableHttpResponse<String> transition(@PathVariable String id, @PathVariable String action, @Nullable @Body byte[] body) {
        return handle(HttpStatus.OK, () -> {
            JsonNode tree = body == null || body.length == 0 ? json.mapper().createObjectNode() : tree(body);
            OptionalLong v = expectedVersion(tree);
            String reason = tree.path("reason").isTextual() ? tree.path("reason").asText() : "api: " + action;
            return switch (action) {
                case "start" -> service.start(id, v, reason);
                case "advance" -> service.advance(id, v, reason);
                case "pause" -> service.pause(id, v, reason);
                case "resume" -> service.resume(id, v, reason);
                case "rollback" -> service.rollback(id, v, reason);
                case "promote" -> service.promote(id, tree.path("variant_id").isTextual() ? tree.path("variant_id").asText() : null, v, reason);
                case "archive" -> service.archive(id, v, reason);
                default -> throw new InvalidExperimentException("action",
                        "must be one of start, advance, pause, resume, rollback, promote, archive; got '" + action + "'");
            };
        });
    }

    private JsonNode tree(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidExperimentException("$", "empty body: expected a JSON object");
        }
        try {
            JsonNode node = json.mapper().readTree(body);
            if (node == null || !node.isObject()) {
                throw new InvalidExperimentException("$", "expected a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw ExperimentJson.translate(e);
        }
    }

    private static OptionalLong expectedVersion(JsonNode tree) {
        JsonNode v = tree.get("expected_version");
        if (v == null || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.canConvertToExactIntegral() || v.asLong() < 1) {
            throw new InvalidExperimentException("expected_version", "must be an integer >= 1, got " + v);
        }
        return OptionalLong.of(v.asLong());
    }

    private MutableHttpResponse<String> handle(HttpStatus ok, Supplier<Object> action) {
        try {
            Object result = action.get();
            return HttpResponse.<String>status(ok).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(new String(json.encode(result), java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return errors.of(e);
        }
    }

}
