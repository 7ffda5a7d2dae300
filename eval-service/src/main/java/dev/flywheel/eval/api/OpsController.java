package dev.flywheel.eval.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** Open endpoints: {@code GET /health} and {@code GET /metrics} (Prometheus text format). */
@Controller
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class OpsController {
    private final PrometheusMeterRegistry meters;

    public OpsController(PrometheusMeterRegistry meters) {
        this.meters = meters;
    }

    @Get("/health")
    public HttpResponse<String> health() {
        return HttpResponse.ok("{\"status\":\"up\",\"service\":\"eval\"}").contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Get("/metrics")
    public HttpResponse<String> metrics() {
        return HttpResponse.ok(meters.scrape()).contentType("text/plain; version=0.0.4; charset=utf-8");
    }
}
