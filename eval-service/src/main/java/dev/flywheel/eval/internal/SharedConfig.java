package dev.flywheel.eval.internal;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.util.List;

/** The keys every Flywheel service shares (same names in every service, so the launcher configures them once). */
public final class SharedConfig {
    private SharedConfig() {}

    /** {@code flywheel.kafka.*} */
    @ConfigurationProperties("flywheel.kafka")
    @Requires(property = "flywheel.eval.enabled", notEquals = "false")
    public record Kafka(@Bindable(defaultValue = "127.0.0.1:19092") String bootstrapServers) {
        public Kafka {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("flywheel.kafka.bootstrap-servers must not be blank");
            }
        }
    }

    /** {@code flywheel.clickhouse.*}; the password is never printed. */
    @ConfigurationProperties("flywheel.clickhouse")
    @Requires(property = "flywheel.eval.enabled", notEquals = "false")
    public record ClickHouse(@Bindable(defaultValue = "http://127.0.0.1:18123") URI url,
                             @Bindable(defaultValue = "flywheel") String database,
                             @Nullable String user,
                             @Nullable String password) {
        @Override
        public String toString() {
            return "ClickHouse[" + url + ", " + database + "]";
        }
    }

    /** {@code flywheel.topics.prefix}: a namespace such as "staging." (empty in production). */
    @ConfigurationProperties("flywheel.topics")
    @Requires(property = "flywheel.eval.enabled", notEquals = "false")
    public record Topics(@Bindable(defaultValue = "") String prefix) {}

    /** {@code flywheel.auth.*}: bearer tokens (at least 16 characters each; never logged). */
    @ConfigurationProperties("flywheel.auth")
    @Requires(property = "flywheel.eval.enabled", notEquals = "false")
    public record Auth(@Nullable List<String> adminTokens, @Nullable List<String> clientTokens) {
        public Auth {
            adminTokens = adminTokens == null ? List.of() : List.copyOf(adminTokens);
            clientTokens = clientTokens == null ? List.of() : List.copyOf(clientTokens);
        }

        @Override
        public String toString() {
            return "Auth[" + adminTokens.size() + " admin, " + clientTokens.size() + " client tokens]";
        }
    }
}
