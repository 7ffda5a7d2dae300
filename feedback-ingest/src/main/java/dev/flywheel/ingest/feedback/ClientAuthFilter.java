package dev.flywheel.ingest.feedback;

import dev.flywheel.contracts.auth.Role;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/** Requires a client (or admin) bearer token on {@code /v1/**}; /metrics and health stay open. Tokens are never logged. */
@ServerFilter("/v1/**")
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public final class ClientAuthFilter {
    private final TokenAuthenticator authenticator;

    public ClientAuthFilter(TokenAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Null lets the request through; otherwise the 401/403 answer. */
    @RequestFilter
    @Nullable
    public HttpResponse<String> check(HttpRequest<?> request) {
        TokenAuthenticator.Decision d = authenticator.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION), Role.CLIENT);
        if (d.allowed()) {
            return null;
        }
        return HttpResponse.<String>status(HttpStatus.valueOf(d.status())).contentType(MediaType.APPLICATION_JSON_TYPE).body(d.errorJson());
    }
}
