package dev.flywheel.splitter.auth;

import dev.flywheel.contracts.auth.Role;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Bearer tokens on {@code /v1/**}: experiment changes (any non-GET under {@code /v1/experiments}) need an admin token;
 * reading experiments and the proxy routes need a client (or admin) token. /metrics, /health and /openapi.yml are
 * open. Tokens are never logged or echoed.
 */
@ServerFilter("/v1/**")
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public final class AuthFilter {
    private final TokenAuthenticator authenticator;

    public AuthFilter(TokenAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** The role a request needs. */
    static Role required(HttpMethod method, String path) {
        boolean experiments = path.equals("/v1/experiments") || path.startsWith("/v1/experiments/");
        return experiments && method != HttpMethod.GET ? Role.ADMIN : Role.CLIENT;
    }

    /** Null lets the request through; otherwise the 401/403 answer. */
    @RequestFilter
    @Nullable
    public HttpResponse<String> check(HttpRequest<?> request) {
        var d = authenticator.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION), required(request.getMethod(), request.getPath()));
        if (d.allowed()) {
            return null;
        }
        return HttpResponse.<String>status(HttpStatus.valueOf(d.status())).contentType(MediaType.APPLICATION_JSON_TYPE).body(d.errorJson());
    }
}
