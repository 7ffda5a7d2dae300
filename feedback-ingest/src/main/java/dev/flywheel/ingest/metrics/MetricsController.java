package dev.flywheel.ingest.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** {@code GET /metrics}: the Prometheus text exposition of this service's meters (open, no token). */
@Controller
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public final class MetricsController {
    private final PrometheusMeterRegistry registry;

    public MetricsController(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Get(uri = "/metrics", produces = "text/plain; version=0.0.4; charset=utf-8")
    public HttpResponse<String> scrape() {
        return HttpResponse.ok(registry.scrape());
    }
}
