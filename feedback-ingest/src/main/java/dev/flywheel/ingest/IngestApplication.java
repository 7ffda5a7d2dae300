package dev.flywheel.ingest;

import io.micronaut.runtime.Micronaut;

/**
 * The ingest service on its own: {@code POST /v1/feedback}, {@code GET /metrics} and the Kafka → ClickHouse sink
 * (port 8081 by default; configuration under {@code flywheel.*}, see {@link dev.flywheel.ingest.config.IngestConfig}).
 */
public final class IngestApplication {
    private IngestApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args)
                .mainClass(IngestApplication.class)
                .properties(java.util.Map.of("micronaut.server.port", System.getProperty("micronaut.server.port", "8081")))
                .start();
    }
}
