package dev.flywheel.splitter.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Open endpoints: {@code /metrics} (Prometheus text), {@code /health}, and the OpenAPI document {@code /openapi.yml}. */
@Controller
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public final class OpsController {
    static final String OPENAPI_RESOURCE = "/dev/flywheel/splitter/api/openapi.yml";
    private final PrometheusMeterRegistry registry;
    private final String openapi;

    public OpsController(PrometheusMeterRegistry registry) {
        this.registry = registry;
        try (InputStream in = OpsController.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + OPENAPI_RESOURCE);
            }
            this.openapi = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OPENAPI_RESOURCE, e);
        }
    }

    @Get(uri = "/metrics", produces = "text/plain; version=0.0.4; charset=utf-8")
    public HttpResponse<String> metrics() {
        return HttpResponse.ok(registry.scrape());
    }

    @Get(uri = "/health", produces = "application/json")
    public HttpResponse<String> health() {
        return HttpResponse.ok("{\"status\":\"up\"}");
    }

    @Get(uri = "/openapi.yml", produces = "application/yaml")
    public HttpResponse<String> openapi() {
        return HttpResponse.ok(openapi);
    }
}
