package dev.flywheel.retrain.api;

import dev.flywheel.contracts.auth.Role;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/** Bearer tokens on the retrain routes: starting runs and changing policies need admin; reading needs client. */
@ServerFilter({"/retrain-runs/**", "/retrain-runs", "/retrain-policies/**", "/retrain-policies"})
@Requires(property = "flywheel.retrain.enabled", notEquals = "false")
public final class AuthFilter {
    private final TokenAuthenticator authenticator;

    public AuthFilter(@jakarta.inject.Named("retrain") TokenAuthenticator retrainAuthenticator) {
        this.authenticator = retrainAuthenticator;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<String> check(HttpRequest<?> request) {
        var d = authenticator.check(request.getHeaders().get("Authorization"),
                request.getMethod() == HttpMethod.GET ? Role.CLIENT : Role.ADMIN);
        if (d.allowed()) {
            return null;
        }
        return HttpResponse.<String>status(HttpStatus.valueOf(d.status())).contentType(MediaType.APPLICATION_JSON).body(d.errorJson());
    }
}
