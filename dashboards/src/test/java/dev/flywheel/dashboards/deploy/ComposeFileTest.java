package dev.flywheel.dashboards.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.dashboards.RepositoryFiles;
import dev.flywheel.dashboards.yaml.YamlFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** infra/deploy/compose.yaml (with its anchors resolved) starts everything Flywheel needs, each part checked. */
class ComposeFileTest {
    private static final Pattern REQUIRED_VAR = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?");
    private final Path dir = RepositoryFiles.deploy();
    private final JsonNode compose = YamlFiles.read(dir.resolve("compose.yaml"));
    private final JsonNode services = compose.path("services");

    @Test
    void everyServiceHasAnImageEnvironmentAndHealthcheck() {
        assertTrue(services.size() >= 8, "kafka, clickhouse, grafana and five Flywheel services; got " + services.size());
        for (var e : services.properties()) {
            JsonNode s = e.getValue();
            assertFalse(s.path("image").asText().isBlank(), e.getKey() + ": image");
            assertTrue(s.path("environment").isObject() && !s.path("environment").isEmpty(), e.getKey() + ": environment");
            JsonNode test = s.path("healthcheck").path("test");
            assertTrue(test.isArray() && test.size() >= 2, e.getKey() + ": healthcheck.test");
            for (var dep : s.path("depends_on").properties()) {
                assertTrue(services.has(dep.getKey()), e.getKey() + " depends on unknown service " + dep.getKey());
            }
        }
    }

    @Test
    void infrastructureIsKraftKafkaClickHouseAndGrafana() {
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"));
        assertTrue(services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText().contains("controller"),
                "Kafka runs in KRaft mode (no ZooKeeper)");
        assertTrue(services.path("clickhouse").path("image").asText().startsWith("clickhouse/clickhouse-server:"));
        assertTrue(services.path("grafana").path("image").asText().startsWith("grafana/grafana:"));
    }

    @Test
    void flywheelServicesRunTheirMainClassFromOneImageWithTheSharedConfiguration() {
        Set<String> images = new HashSet<>();
        for (var e : ServiceCatalog.SERVICES.entrySet()) {
            JsonNode s = services.path(e.getKey());
            assertFalse(s.isMissingNode(), "compose lacks service " + e.getKey());
            images.add(s.path("image").asText());
            assertEquals(e.getValue().mainClass(), s.path("command").path(0).asText(), e.getKey() + ": command");
            for (String key : ServiceCatalog.SHARED_ENV) {
                assertFalse(s.path("environment").path(key).asText().isBlank(), e.getKey() + ": environment " + key);
            }
            String port = Integer.toString(e.getValue().port());
            assertEquals(port, s.path("environment").path("MICRONAUT_SERVER_PORT").asText(), e.getKey() + ": port");
            assertTrue(s.path("healthcheck").path("test").toString().contains("localhost:" + port + "/health"),
                    e.getKey() + ": healthcheck must call /health on its own port");
            assertEquals("infra/deploy/Dockerfile", s.path("build").path("dockerfile").asText(), e.getKey() + ": built from the Dockerfile");
            assertTrue(Files.isRegularFile(dir.resolve(s.path("build").path("context").asText()).resolve("pom.xml")),
                    e.getKey() + ": build context is the repository root");
        }
        assertEquals(1, images.size(), "one image for every service: " + images);
    }

    @Test
    void grafanaInstallsThePluginAndMountsTheShippedProvisioning() {
        JsonNode grafana = services.path("grafana");
        assertTrue(grafana.path("environment").path("GF_INSTALL_PLUGINS").asText().contains("grafana-clickhouse-datasource"));
        JsonNode provider = YamlFiles.read(RepositoryFiles.provisioning().resolve("dashboards/flywheel.yaml")).path("providers").get(0);
        Set<String> mounted = new HashSet<>();
        for (JsonNode volume : grafana.path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts[0].startsWith(".")) {
                assertTrue(Files.isDirectory(dir.resolve(parts[0]).normalize()), "mounted folder exists: " + parts[0]);
                mounted.add(dir.resolve(parts[0]).normalize() + " -> " + parts[1]);
            }
        }
        assertTrue(mounted.contains(RepositoryFiles.provisioning() + " -> /etc/grafana/provisioning"), mounted.toString());
        assertTrue(mounted.contains(RepositoryFiles.dashboards() + " -> " + provider.path("options").path("path").asText()), mounted.toString());
    }

    @Test
    void grafanaEnvironmentDefinesEveryVariableTheDatasourceFileReads() throws IOException {
        String datasource = Files.readString(RepositoryFiles.provisioning().resolve("datasources/clickhouse.yaml"));
        Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(datasource.replaceAll("(?m)^\\s*#.*$", ""));
        JsonNode env = services.path("grafana").path("environment");
        int found = 0;
        while (m.find()) {
            found++;
            assertTrue(env.has(m.group(1)), "grafana environment lacks " + m.group(1));
        }
        assertTrue(found >= 4, "host, port, user and password come from the environment");
        assertEquals("8123", env.path("FLYWHEEL_CLICKHOUSE_PORT").asText(), "the plugin speaks HTTP on 8123");
    }

    @Test
    void everyRequiredVariableHasAnExampleAndEveryNamedVolumeIsDeclared() throws IOException {
        String text = Files.readString(dir.resolve("compose.yaml"));
        String example = Files.readString(dir.resolve(".env.example"));
        Matcher m = REQUIRED_VAR.matcher(text);
        while (m.find()) {
            assertTrue(example.contains("\n" + m.group(1) + "=") || example.startsWith(m.group(1) + "="),
                    ".env.example lacks " + m.group(1));
        }
        for (var e : services.properties()) {
            for (JsonNode volume : e.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (!source.startsWith(".") && !source.startsWith("/")) {
                    assertTrue(compose.path("volumes").has(source), e.getKey() + " uses undeclared volume " + source);
                }
            }
        }
    }

    @Test
    void dockerfileIsAMultiStageTemurin25Build() throws IOException {
        List<String> from = Files.readAllLines(dir.resolve("Dockerfile")).stream().filter(l -> l.startsWith("FROM ")).toList();
        assertTrue(from.size() >= 2, "multi-stage: " + from);
        assertTrue(from.stream().allMatch(l -> l.contains("eclipse-temurin:25")), "Temurin 25 in every stage: " + from);
        assertTrue(from.getFirst().contains("-jdk") && from.getLast().contains("-jre"), "JDK to build, JRE to run: " + from);
    }
}
