package dev.flywheel.testsupport;

import java.net.URI;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka and ClickHouse as Testcontainers containers, for machines with a Docker engine
 * ({@code FLYWHEEL_TEST_SERVICES=testcontainers}). The containers live as long as the test JVM; Testcontainers'
 * reaper removes them afterwards. Images: {@code FLYWHEEL_KAFKA_IMAGE}, {@code FLYWHEEL_CLICKHOUSE_IMAGE}.
 */
final class ContainerServices {
    private static final String KAFKA_IMAGE = env("FLYWHEEL_KAFKA_IMAGE", "apache/kafka:4.1.1");
    private static final String CLICKHOUSE_IMAGE = env("FLYWHEEL_CLICKHOUSE_IMAGE", "clickhouse/clickhouse-server:24.8");

    private ContainerServices() {}

    static ServiceEndpoints start() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("FLYWHEEL_TEST_SERVICES=testcontainers needs a running Docker engine, and none was found: "
                    + "use the default local mode ('./run up') instead");
        }
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
        kafka.start();
        GenericContainer<?> clickhouse = new GenericContainer<>(DockerImageName.parse(CLICKHOUSE_IMAGE))
                .withExposedPorts(8123)
                .withEnv("CLICKHOUSE_SKIP_USER_SETUP", "1")
                .waitingFor(Wait.forHttp("/ping").forPort(8123).forStatusCode(200));
        clickhouse.start();
        URI url = URI.create("http://" + clickhouse.getHost() + ":" + clickhouse.getMappedPort(8123));
        return new ServiceEndpoints(kafka.getBootstrapServers(), url).requireReachable("the containers did not answer");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
