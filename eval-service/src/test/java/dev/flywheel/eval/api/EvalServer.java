package dev.flywheel.eval.api;

import dev.flywheel.eval.registry.internal.KafkaRegistryStore;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/** The real eval service on a random port against the test class's Kafka namespace and ClickHouse database. */
final class EvalServer implements AutoCloseable {
    static final String ADMIN = "admin-token-0123456789abcdef";
    static final String CLIENT = "client-token-0123456789abcdef";

    private final ApplicationContext context;
    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    EvalServer(TestServices services, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                "flywheel.clickhouse.url", services.clickhouse().httpUrl().toString(),
                "flywheel.clickhouse.database", services.clickhouse().database(),
                "flywheel.topics.prefix", services.topics().prefix(),
                "flywheel.auth.admin-tokens", List.of(ADMIN),
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.eval.scoring-enabled", false));
        props.putAll(extra);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
        this.context = server.getApplicationContext();
        this.base = server.getURI();
    }

    HttpResponse<String> send(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        }
    }

    @Override
    public void close() {
        context.close();
        http.close();
    }

    static void deleteRegistryTopic(TestServices services) throws Exception {
        try (Admin admin = Admin.create(services.adminProperties())) {
            admin.deleteTopics(List.of(services.topics().prefix() + KafkaRegistryStore.TOPIC)).all().get(30, TimeUnit.SECONDS);
        }
    }
}
