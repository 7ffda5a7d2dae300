package dev.flywheel.eval.api;

import dev.flywheel.contracts.auth.Role;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Bearer-token check for /v1/**: changes to the registry and datasets and starting runs need an admin token; reads,
 * testing an evaluator on a sample, and rewards need a client token (admin tokens are accepted too). /health and
 * /metrics are open.
 */
@ServerFilter("/v1/**")
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public final class AuthFilter {
    private final TokenAuthenticator authenticator;
    private final ApiResponses responses;

    public AuthFilter(TokenAuthenticator authenticator, ApiResponses responses) {
        this.authenticator = authenticator;
        this.responses = responses;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<String> check(HttpRequest<?> request) {
        var decision = authenticator.check(request.getHeaders().get("Authorization"), required(request));
        return decision.allowed() ? null : responses.error(decision.status(), decision.message(), "Authorization", decision.errorType());
    }

    static Role required(HttpRequest<?> request) {
        String path = request.getPath();
        if (request.getMethod() == HttpMethod.GET || path.startsWith("/v1/rewards") || path.endsWith("/test")) {
            return Role.CLIENT;
        }
        return Role.ADMIN;
    }
}
