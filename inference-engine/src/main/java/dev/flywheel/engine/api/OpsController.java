package dev.flywheel.engine.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** Prometheus metrics and the health probe. */
@Controller
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
public final class OpsController {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final EngineMetrics metrics;

    public OpsController(EngineMetrics metrics) {
        this.metrics = metrics;
    }

    @Get(uri = "/metrics", produces = PROMETHEUS_TEXT)
    public HttpResponse<String> metrics() {
        return HttpResponse.ok(metrics.scrape());
    }

    /** Up once the model is loaded and the engine thread runs (both happen before the server starts). */
    @Get(uri = "/health", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> health() {
        return HttpResponse.ok("{\"status\":\"UP\"}");
    }
}
