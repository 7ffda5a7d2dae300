package dev.flywheel.engine.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.util.List;

/**
 * {@code flywheel.auth.*} as the engine reads it. Admin tokens may load and unload adapters and do
 * everything a client may; client tokens may call completions, chat completions and the model list.
 * With {@code enabled} (the default) at least one token must be configured, so an engine is never
 * started open by accident; {@code flywheel.auth.enabled=false} serves every route without a token
 * (tests, a trusted network). Tokens are never printed.
 *
 * @param enabled      whether bearer tokens are checked on {@code /v1/**}
 * @param adminTokens  tokens of at least 16 characters (checked by TokenAuthenticator)
 * @param clientTokens tokens of at least 16 characters
 */
@ConfigurationProperties("flywheel.auth")
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
public record AuthSettings(
        @Bindable(defaultValue = "true") boolean enabled,
        @Nullable List<String> adminTokens,
        @Nullable List<String> clientTokens) {

    public AuthSettings {
        adminTokens = adminTokens == null ? List.of() : List.copyOf(adminTokens);
        clientTokens = clientTokens == null ? List.of() : List.copyOf(clientTokens);
        if (enabled && adminTokens.isEmpty() && clientTokens.isEmpty()) {
            throw new IllegalArgumentException("flywheel.auth.enabled is true (the default) but flywheel.auth.admin-tokens and "
                    + "flywheel.auth.client-tokens are both empty: configure at least one token of >= 16 characters, or set "
                    + "flywheel.auth.enabled=false to serve the engine without authentication");
        }
    }

    @Override
    public String toString() {
        return "AuthSettings[enabled=" + enabled + ", " + adminTokens.size() + " admin tokens, "
                + clientTokens.size() + " client tokens]";
    }
}
