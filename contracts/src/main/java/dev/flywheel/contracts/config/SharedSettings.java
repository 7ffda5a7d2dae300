package dev.flywheel.contracts.config;

import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.topics.Topics;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.util.List;

/**
 * The keys every Flywheel service shares ({@code flywheel.kafka.*}, {@code flywheel.clickhouse.*},
 * {@code flywheel.topics.*}, {@code flywheel.auth.*}), bound once for all of them (in the one-JVM launcher, every
 * service context binds the same values). Tokens and passwords are never printed.
 */
public final class SharedSettings {
    private SharedSettings() {}

    /** {@code flywheel.kafka.bootstrap-servers}: host:port[,host:port...]. */
    @ConfigurationProperties("flywheel.kafka")
    public record Kafka(@Bindable(defaultValue = "127.0.0.1:19092") String bootstrapServers) {
        public Kafka {
            if (bootstrapServers == null || !bootstrapServers.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
                throw new IllegalArgumentException("flywheel.kafka.bootstrap-servers must be host:port[,host:port], got '" + bootstrapServers + "'");
            }
        }
    }

    /** {@code flywheel.clickhouse.*}: the HTTP endpoint, Flywheel's database and credentials. */
    @ConfigurationProperties("flywheel.clickhouse")
    public record ClickHouse(
            @Bindable(defaultValue = "http://127.0.0.1:18123") String url,
            @Bindable(defaultValue = "flywheel") String database,
            @Bindable(defaultValue = "default") String user,
            @Bindable(defaultValue = "") String password) {
        public ClickHouseConfig toConfig() {
            return new ClickHouseConfig(URI.create(url), database, user, password);
        }

        @Override
        public String toString() {
            return "ClickHouse[" + url + ", database=" + database + ", user=" + user + "]";
        }
    }

    /** {@code flywheel.topics.prefix}: a namespace for several environments on one cluster ("" or "name."). */
    @ConfigurationProperties("flywheel.topics")
    public record TopicNames(@Bindable(defaultValue = "") String prefix) {
        public Topics toTopics() {
            return new Topics(prefix);
        }
    }

    /**
     * {@code flywheel.auth.*}, read by every service: {@code admin-tokens} / {@code client-tokens}, bearer tokens of at
     * least 16 characters (admin tokens may do everything a client may); {@code enabled} (default true) checks them on
     * every service's API. With {@code enabled} and no token at all, {@link #authenticator()} fails, so no service
     * starts open, or closed to everyone, by accident; {@code enabled=false} serves every route without a token
     * (tests, a trusted network). Tokens are never printed.
     */
    @ConfigurationProperties("flywheel.auth")
    public record Auth(@Bindable(defaultValue = "true") boolean enabled, @Nullable List<String> adminTokens,
                       @Nullable List<String> clientTokens) {
        public Auth {
            adminTokens = adminTokens == null ? List.of() : List.copyOf(adminTokens);
            clientTokens = clientTokens == null ? List.of() : List.copyOf(clientTokens);
        }

        /** The authenticator these settings describe; fails when auth is enabled and no token is configured. */
        public TokenAuthenticator authenticator() {
            if (!enabled) {
                return TokenAuthenticator.open();
            }
            if (adminTokens.isEmpty() && clientTokens.isEmpty()) {
                throw new IllegalArgumentException("flywheel.auth.enabled is true (the default) but flywheel.auth.admin-tokens and "
                        + "flywheel.auth.client-tokens are both empty: configure at least one token of >= 16 characters, or set "
                        + "flywheel.auth.enabled=false to serve without authentication");
            }
            return new TokenAuthenticator(adminTokens, clientTokens);
        }

        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", " + adminTokens.size() + " admin tokens, " + clientTokens.size() + " client tokens]";
        }
    }
}
