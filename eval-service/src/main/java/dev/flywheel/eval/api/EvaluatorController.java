package dev.flywheel.eval.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import dev.flywheel.eval.registry.EvaluatorNotFoundException;
import dev.flywheel.eval.registry.EvaluatorRecord;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;

/**
 * The evaluator registry over REST.
 * <pre>
 * POST /v1/evaluators                      create (version 1)          admin   → 201 definition
 * POST /v1/evaluators/{id}/versions        add a version               admin   → 201 definition
 * GET  /v1/evaluators                      list (records, all versions) client
 * GET  /v1/evaluators/{id}                 one record                  client
 * GET  /v1/evaluators/{id}/versions/{v}    one version                 client
 * POST /v1/evaluators/{id}/test            {"version"?, "sample": {...}} → result; records nothing   client
 * POST /v1/evaluators/{id}/disable|enable  admin
 * </pre>
 */
@Controller("/v1/evaluators")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class EvaluatorController {
    private final EvaluatorRegistry registry;
    private final ApiResponses responses;

    public EvaluatorController(EvaluatorRegistry registry, ApiResponses responses) {
        this.registry = registry;
        this.responses = responses;
    }

    @Post
    public HttpResponse<String> create(@Body String body) {
        return responses.handle(() -> definition(201, registry.create(responses.parse(body))));
    }

    @Post("/{id}/versions")
    public HttpResponse<String> addVersion(@PathVariable String id, @Body String body) {
        return responses.handle(() -> definition(201, registry.addVersion(id, responses.parse(body))));
    }

    @Get
    public HttpResponse<String> list() {
        return responses.handle(() -> {
            ObjectNode n = responses.mapper().createObjectNode();
            var arr = n.putArray("evaluators");
            registry.list().forEach(r -> arr.add(registry.toJson(r)));
            return responses.json(200, n);
        });
    }

    @Get("/{id}")
    public HttpResponse<String> get(@PathVariable String id) {
        return responses.handle(() -> responses.json(200, registry.toJson(record(id))));
    }

    @Get("/{id}/versions/{version}")
    public HttpResponse<String> version(@PathVariable String id, @PathVariable int version) {
        return responses.handle(() -> definition(200, record(id).version(version).orElseThrow(() ->
                new EvaluatorNotFoundException(id, "evaluator '" + id + "' has no version " + version))));
    }

    @Post("/{id}/test")
    public HttpResponse<String> test(@PathVariable String id, @Body String body) {
        return responses.handle(() -> {
            JsonNode req = responses.parse(body);
            Integer version = req.hasNonNull("version") ? req.get("version").asInt() : null;
            EvalInput sample = SampleParser.input(req.get("sample"), "sample");
            EvalResult r = registry.test(id, version, sample);
            ObjectNode n = ResultJson.of(responses.mapper(), r);
            var def = registry.evaluator(id, version).definition();
            n.put("evaluator_id", def.id());
            n.put("evaluator_version", def.version());
            return responses.json(200, n);
        });
    }

    @Post("/{id}/disable")
    public HttpResponse<String> disable(@PathVariable String id) {
        return responses.handle(() -> responses.json(200, registry.toJson(registry.setDisabled(id, true))));
    }

    @Post("/{id}/enable")
    public HttpResponse<String> enable(@PathVariable String id) {
        return responses.handle(() -> responses.json(200, registry.toJson(registry.setDisabled(id, false))));
    }

    private EvaluatorRecord record(String id) {
        return registry.get(id).orElseThrow(() -> new EvaluatorNotFoundException(id, "no evaluator '" + id + "'"));
    }

    private HttpResponse<String> definition(int status, EvaluatorDefinition d) {
        return responses.json(status, registry.codec().toJson(d));
    }
}
