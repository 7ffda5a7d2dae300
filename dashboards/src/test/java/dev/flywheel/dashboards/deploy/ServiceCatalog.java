package dev.flywheel.dashboards.deploy;

import java.util.List;
import java.util.Map;

/**
 * The Flywheel services as deployed: name → main class and HTTP port (the convention all services share: one
 * image, the main class chooses the service; each serves {@code /health} and {@code /metrics} on its port).
 */
final class ServiceCatalog {
    record Service(String mainClass, int port) {}

    static final Map<String, Service> SERVICES = Map.of(
            "splitter", new Service("dev.flywheel.splitter.SplitterApplication", 8080),
            "ingest", new Service("dev.flywheel.ingest.IngestApplication", 8081),
            "eval", new Service("dev.flywheel.eval.EvalApplication", 8082),
            "engine", new Service("dev.flywheel.engine.EngineApplication", 8000),
            "retrain", new Service("dev.flywheel.retrain.RetrainApplication", 8083));

    /** Environment every service needs (Micronaut keys flywheel.kafka.*, flywheel.clickhouse.*, flywheel.auth.*). */
    static final List<String> SHARED_ENV = List.of(
            "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "FLYWHEEL_CLICKHOUSE_URL", "FLYWHEEL_CLICKHOUSE_DATABASE",
            "FLYWHEEL_CLICKHOUSE_USER", "FLYWHEEL_CLICKHOUSE_PASSWORD", "FLYWHEEL_AUTH_ADMIN_TOKENS", "FLYWHEEL_AUTH_CLIENT_TOKENS");

    private ServiceCatalog() {}
}
