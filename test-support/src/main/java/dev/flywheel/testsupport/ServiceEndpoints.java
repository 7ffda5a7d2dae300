package dev.flywheel.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Finds the Kafka and ClickHouse a test run uses. Modes (env {@code FLYWHEEL_TEST_SERVICES} or system property
 * {@code flywheel.test.services}):
 * <ul>
 *   <li>{@code local} (default): the project's own processes ({@code ./run up}); started here if they are not running.
 *   <li>{@code external}: {@code FLYWHEEL_KAFKA_BOOTSTRAP} and {@code FLYWHEEL_CLICKHOUSE_URL} must point at running servers.
 *   <li>{@code testcontainers}: containers, where a Docker engine exists ({@link ContainerServices}).
 * </ul>
 * A service that cannot be reached is an {@link IllegalStateException} with one sentence saying what to do: tests
 * fail loudly, they never skip.
 */
record ServiceEndpoints(String kafkaBootstrap, URI clickhouseUrl) {

    static ServiceEndpoints resolve() {
        String mode = setting("FLYWHEEL_TEST_SERVICES", "flywheel.test.services", "local").toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "local" -> local();
            case "external" -> external();
            case "testcontainers" -> ContainerServices.start();
            default -> throw new IllegalStateException("FLYWHEEL_TEST_SERVICES must be local, external or testcontainers, got '" + mode + "'");
        };
    }

    private static ServiceEndpoints local() {
        var endpoints = new ServiceEndpoints(
                setting("FLYWHEEL_KAFKA_BOOTSTRAP", "flywheel.kafka.bootstrap", "127.0.0.1:19092"),
                URI.create(setting("FLYWHEEL_CLICKHOUSE_URL", "flywheel.clickhouse.url", "http://127.0.0.1:18123")));
        if (endpoints.kafkaReachable() && endpoints.clickhouseReachable()) {
            return endpoints;
        }
        startLocalServices();
        return endpoints.requireReachable("start them with './run up'");
    }

    private static ServiceEndpoints external() {
        String kafka = System.getenv("FLYWHEEL_KAFKA_BOOTSTRAP");
        String ch = System.getenv("FLYWHEEL_CLICKHOUSE_URL");
        if (kafka == null || ch == null) {
            throw new IllegalStateException("FLYWHEEL_TEST_SERVICES=external needs FLYWHEEL_KAFKA_BOOTSTRAP and FLYWHEEL_CLICKHOUSE_URL to be set");
        }
        return new ServiceEndpoints(kafka, URI.create(ch)).requireReachable("check FLYWHEEL_KAFKA_BOOTSTRAP / FLYWHEEL_CLICKHOUSE_URL");
    }

    ServiceEndpoints requireReachable(String advice) {
        if (!kafkaReachable()) {
            throw new IllegalStateException("Kafka is not reachable at " + kafkaBootstrap + ": " + advice + ".");
        }
        if (!clickhouseReachable()) {
            throw new IllegalStateException("ClickHouse is not reachable at " + clickhouseUrl + ": " + advice + ".");
        }
        return this;
    }

    boolean kafkaReachable() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    boolean clickhouseReachable() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            var response = http.send(HttpRequest.newBuilder(clickhouseUrl.resolve("/ping")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code infra/local/services.sh up} from the repository this test runs in. */
    private static void startLocalServices() {
        Path script = repositoryRoot().resolve("infra/local/services.sh");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "up").inheritIO().start();
            if (!p.waitFor(240, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("starting local Kafka and ClickHouse took over 240 s: run './run up' and look at .flywheel/*/logs");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("could not start local Kafka and ClickHouse (exit " + p.exitValue()
                        + "): run './run up' to see why");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting local services", e);
        }
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("infra/local/services.sh"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find infra/local/services.sh above " + Path.of("").toAbsolutePath()
                + ": run the tests from the Flywheel repository, or use FLYWHEEL_TEST_SERVICES=external");
    }

    private static String setting(String env, String property, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? fallback : v;
    }
}
