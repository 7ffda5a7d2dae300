package dev.flywheel.ingest.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/**
 * Open operational endpoints (no token): {@code GET /metrics}, the Prometheus text exposition of this service's
 * meters, and {@code GET /health} for load-balancer and Kubernetes probes.
 */
@Controller
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public final class MetricsController {
    private final PrometheusMeterRegistry registry;

    public MetricsController(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Get(uri = "/health", produces = "application/json")
    public HttpResponse<String> health() {
        return HttpResponse.ok("{\"status\":\"up\",\"service\":\"ingest\"}");
    }

    @Get(uri = "/metrics", produces = "text/plain; version=0.0.4; charset=utf-8")
    public HttpResponse<String> scrape() {
        return HttpResponse.ok(registry.scrape());
    }
}
