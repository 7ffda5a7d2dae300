package dev.flywheel.retrain.internal;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.net.URI;
import java.util.List;

/** The keys every Flywheel service shares, bound for the retrain context. */
public final class SharedKeys {
    private SharedKeys() {}

    @ConfigurationProperties("flywheel.kafka")
    @Requires(property = "flywheel.retrain.enabled", notEquals = "false")
    public record Kafka(@Bindable(defaultValue = "127.0.0.1:19092") String bootstrapServers) {}

    @ConfigurationProperties("flywheel.clickhouse")
    @Requires(property = "flywheel.retrain.enabled", notEquals = "false")
    public record ClickHouse(@Bindable(defaultValue = "http://127.0.0.1:18123") URI url,
                             @Bindable(defaultValue = "flywheel") String database, @Nullable String user, @Nullable String password) {
        @Override
        public String toString() {
            return "ClickHouse[" + url + ", " + database + "]";
        }
    }

    @ConfigurationProperties("flywheel.topics")
    @Requires(property = "flywheel.retrain.enabled", notEquals = "false")
    public record Topics(@Bindable(defaultValue = "") String prefix) {}

    @ConfigurationProperties("flywheel.auth")
    @Requires(property = "flywheel.retrain.enabled", notEquals = "false")
    public record Auth(@Nullable List<String> adminTokens, @Nullable List<String> clientTokens) {
        @Override
        public String toString() {
            return "Auth[tokens hidden]";
        }
    }
}
