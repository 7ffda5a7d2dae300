package dev.flywheel.eval.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.eval.runs.EvalRuns;
import dev.flywheel.eval.runs.EvaluatorRef;
import dev.flywheel.eval.runs.RunNotFoundException;
import dev.flywheel.eval.runs.RunSpec;
import dev.flywheel.eval.runs.VariantTarget;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Offline runs:
 * <pre>
 * POST /v1/eval-runs  {"dataset_id", "variant": {"name", "base_url", "model", "temperature", "max_tokens"},
 *                      "evaluators": ["id" | {"id", "version"}], "repeats": 1, "concurrency": 8}   admin → 202 {"run_id"}
 * GET  /v1/eval-runs/{run_id}                                       client → the summary
 * GET  /v1/eval-runs/compare?a=RUN&amp;b=RUN&amp;evaluator=ID          client → paired comparison (B - A)
 * </pre>
 */
@Controller("/v1/eval-runs")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class RunController {
    private final EvalRuns runs;
    private final ApiResponses responses;

    public RunController(EvalRuns runs, ApiResponses responses) {
        this.runs = runs;
        this.responses = responses;
    }

    @Post
    public HttpResponse<String> start(@Body String body) {
        return responses.handle(() -> responses.json(202, Map.of("run_id", runs.start(spec(responses.parse(body))))));
    }

    @Get("/compare")
    public HttpResponse<String> compare(@QueryValue String a, @QueryValue String b, @QueryValue String evaluator) {
        return responses.handle(() -> responses.json(200, runs.compare(a, b, evaluator)));
    }

    @Get("/{runId}")
    public HttpResponse<String> get(@PathVariable String runId) {
        return responses.handle(() -> responses.json(200, runs.get(runId).orElseThrow(() -> new RunNotFoundException(runId))));
    }

    static RunSpec spec(JsonNode n) {
        JsonNode v = n.path("variant");
        if (!v.isObject()) {
            throw new IllegalArgumentException("variant: is required ({\"base_url\", \"model\"})");
        }
        URI base;
        try {
            base = URI.create(v.path("base_url").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("variant.base_url: not a URL: " + e.getMessage());
        }
        VariantTarget variant = new VariantTarget(v.path("name").asText(null), base, v.path("model").asText(null),
                v.hasNonNull("temperature") ? v.get("temperature").asDouble() : null,
                v.hasNonNull("max_tokens") ? v.get("max_tokens").asInt() : null, v.path("api_key").asText(null));
        List<EvaluatorRef> evaluators = new ArrayList<>();
        JsonNode evs = n.path("evaluators");
        if (!evs.isArray()) {
            throw new IllegalArgumentException("evaluators: must be an array of evaluator ids or {id, version}");
        }
        for (JsonNode e : evs) {
            evaluators.add(e.isTextual() ? new EvaluatorRef(e.asText(), null)
                    : new EvaluatorRef(e.path("id").asText(null), e.hasNonNull("version") ? e.get("version").asInt() : null));
        }
        return new RunSpec(n.path("dataset_id").asText(null), variant, evaluators, n.path("repeats").asInt(1),
                n.path("concurrency").asInt(8));
    }
}
