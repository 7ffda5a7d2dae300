package dev.flywheel.engine.auth;

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
import java.util.Set;

/**
 * Bearer tokens on {@code /v1/**}: completions, chat completions and the model list need a client
 * (or admin) token; everything else under {@code /v1} (adapter load/unload, and any path added later)
 * an admin token, so a new route is closed until it is listed here. {@code /health} and
 * {@code /metrics} are outside {@code /v1} and open. With {@code flywheel.auth.enabled=false} the authenticator
 * allows everything.
 * Tokens are never logged or echoed.
 */
@ServerFilter("/v1/**")
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
public final class AuthFilter {
    private final TokenAuthenticator authenticator;

    public AuthFilter(TokenAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    private static final Set<String> CLIENT_PATHS = Set.of("/v1/completions", "/v1/chat/completions", "/v1/models");

    /** The role a request to {@code path} needs: CLIENT for the serving routes, ADMIN for the rest of /v1. */
    public static Role required(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return CLIENT_PATHS.contains(p) ? Role.CLIENT : Role.ADMIN;
    }

    /** Null lets the request through; otherwise the 401 (missing or unknown token) or 403 (client token on an admin route). */
    @RequestFilter
    @Nullable
    public HttpResponse<String> check(HttpRequest<?> request) {
        var decision = authenticator.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION), required(request.getPath()));
        if (decision.allowed()) {
            return null;
        }
        return HttpResponse.<String>status(HttpStatus.valueOf(decision.status())).contentType(MediaType.APPLICATION_JSON_TYPE).body(decision.errorJson());
    }
}
