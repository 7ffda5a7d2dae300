package dev.flywheel.dashboards.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.dashboards.RepositoryFiles;
import dev.flywheel.dashboards.yaml.YamlFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests under infra/deploy/k8s (everything kustomization.yaml lists) are complete and consistent:
 * probes, resources, labels, references to ConfigMaps, Secrets, claims and Deployments all resolve.
 */
class KubernetesManifestsTest {
    private final Path dir = RepositoryFiles.deploy().resolve("k8s");
    private final List<JsonNode> objects = load();

    private List<JsonNode> load() {
        JsonNode kustomization = YamlFiles.read(dir.resolve("kustomization.yaml"));
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path file = dir.resolve(resource.asText());
            assertTrue(Files.isRegularFile(file), "kustomization lists a missing file: " + file);
            out.addAll(YamlFiles.readAll(file));
        }
        return out;
    }

    private List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    private Map<String, JsonNode> byName(String kind) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode o : ofKind(kind)) {
            assertNotNull(o.path("apiVersion").textValue(), kind + " without apiVersion");
            String name = o.path("metadata").path("name").asText();
            assertFalse(name.isBlank(), kind + " without a name");
            assertTrue(out.put(name, o) == null, "two " + kind + "s named " + name);
        }
        return out;
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isEmpty()) {
            return false;
        }
        for (var e : selector.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void everyServiceHasADeploymentRunningItsMainClass() {
        Map<String, JsonNode> deployments = byName("Deployment");
        for (var e : ServiceCatalog.SERVICES.entrySet()) {
            JsonNode d = deployments.get("flywheel-" + e.getKey());
            assertNotNull(d, "no Deployment flywheel-" + e.getKey());
            JsonNode container = d.path("spec").path("template").path("spec").path("containers").get(0);
            assertEquals(e.getValue().mainClass(), container.path("args").path(0).asText(), e.getKey() + ": main class");
            assertEquals(e.getValue().port(), container.path("ports").path(0).path("containerPort").asInt(), e.getKey() + ": port");
        }
    }

    @Test
    void everyDeploymentHasProbesResourcesAndASelectorMatchingItsPods() {
        assertFalse(ofKind("Deployment").isEmpty());
        for (JsonNode d : ofKind("Deployment")) {
            String name = d.path("metadata").path("name").asText();
            JsonNode template = d.path("spec").path("template");
            assertTrue(selects(d.path("spec").path("selector").path("matchLabels"), template.path("metadata").path("labels")),
                    name + ": selector.matchLabels must match the pod template's labels");
            for (JsonNode c : template.path("spec").path("containers")) {
                Set<String> portNames = new java.util.HashSet<>();
                c.path("ports").forEach(p -> portNames.add(p.path("name").asText()));
                for (String probe : List.of("readinessProbe", "livenessProbe")) {
                    JsonNode get = c.path(probe).path("httpGet");
                    assertEquals("/health", get.path("path").asText(), name + ": " + probe + " path");
                    assertTrue(portNames.contains(get.path("port").asText()), name + ": " + probe + " port names a container port");
                }
                for (String bound : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        assertFalse(c.path("resources").path(bound).path(resource).asText().isBlank(),
                                name + ": resources." + bound + "." + resource);
                    }
                }
            }
        }
    }

    @Test
    void everyReferencedConfigMapSecretAndClaimExists() {
        Set<String> configMaps = byName("ConfigMap").keySet();
        Set<String> secrets = byName("Secret").keySet();
        Set<String> claims = byName("PersistentVolumeClaim").keySet();
        for (JsonNode d : ofKind("Deployment")) {
            String name = d.path("metadata").path("name").asText();
            JsonNode pod = d.path("spec").path("template").path("spec");
            for (JsonNode c : pod.path("containers")) {
                for (JsonNode from : c.path("envFrom")) {
                    if (from.has("configMapRef")) {
                        assertTrue(configMaps.contains(from.path("configMapRef").path("name").asText()), name + ": " + from);
                    }
                    if (from.has("secretRef")) {
                        assertTrue(secrets.contains(from.path("secretRef").path("name").asText()), name + ": " + from);
                    }
                }
                for (JsonNode env : c.path("env")) {
                    JsonNode ref = env.path("valueFrom");
                    if (ref.has("secretKeyRef")) {
                        assertTrue(secrets.contains(ref.path("secretKeyRef").path("name").asText()), name + ": " + env);
                    }
                    if (ref.has("configMapKeyRef")) {
                        assertTrue(configMaps.contains(ref.path("configMapKeyRef").path("name").asText()), name + ": " + env);
                    }
                }
            }
            for (JsonNode v : pod.path("volumes")) {
                if (v.has("persistentVolumeClaim")) {
                    assertTrue(claims.contains(v.path("persistentVolumeClaim").path("claimName").asText()), name + ": " + v);
                }
            }
        }
    }

    @Test
    void sharedConfigurationAndTokensComeFromTheConfigMapAndSecret() {
        JsonNode config = byName("ConfigMap").get("flywheel-config").path("data");
        JsonNode secret = byName("Secret").get("flywheel-secrets").path("stringData");
        for (String key : ServiceCatalog.SHARED_ENV) {
            assertTrue(config.has(key) ^ secret.has(key), key + " must be in exactly one of flywheel-config and flywheel-secrets");
        }
        for (String key : List.of("FLYWHEEL_AUTH_ADMIN_TOKENS", "FLYWHEEL_AUTH_CLIENT_TOKENS", "FLYWHEEL_CLICKHOUSE_PASSWORD")) {
            assertTrue(secret.has(key), key + " is a secret");
        }
    }

    @Test
    void everyServiceSelectsPodsAndTargetsANamedPort() {
        List<JsonNode> deployments = ofKind("Deployment");
        for (JsonNode s : ofKind("Service")) {
            String name = s.path("metadata").path("name").asText();
            JsonNode target = deployments.stream()
                    .filter(d -> selects(s.path("spec").path("selector"), d.path("spec").path("template").path("metadata").path("labels")))
                    .findFirst().orElseThrow(() -> new AssertionError("Service " + name + " selects no Deployment's pods"));
            Set<String> portNames = new java.util.HashSet<>();
            target.path("spec").path("template").path("spec").path("containers").forEach(c -> c.path("ports")
                    .forEach(p -> portNames.add(p.path("name").asText())));
            for (JsonNode p : s.path("spec").path("ports")) {
                assertTrue(portNames.contains(p.path("targetPort").asText()), name + ": targetPort " + p.path("targetPort"));
            }
        }
    }

    @Test
    void splitterAndIngestAutoscaleAndEveryDeploymentHasADisruptionBudget() {
        Map<String, JsonNode> deployments = byName("Deployment");
        Map<String, JsonNode> hpas = byName("HorizontalPodAutoscaler");
        for (String name : List.of("flywheel-splitter", "flywheel-ingest")) {
            JsonNode hpa = hpas.get(name);
            assertNotNull(hpa, "no HorizontalPodAutoscaler for " + name);
            assertEquals("autoscaling/v2", hpa.path("apiVersion").asText());
            assertTrue(deployments.containsKey(hpa.path("spec").path("scaleTargetRef").path("name").asText()), name + ": scale target");
            int min = hpa.path("spec").path("minReplicas").asInt();
            assertTrue(min >= 1 && min <= hpa.path("spec").path("maxReplicas").asInt(), name + ": 1 <= min <= max");
        }
        List<JsonNode> pdbs = ofKind("PodDisruptionBudget");
        for (var d : deployments.entrySet()) {
            JsonNode labels = d.getValue().path("spec").path("template").path("metadata").path("labels");
            assertTrue(pdbs.stream().anyMatch(p -> selects(p.path("spec").path("selector").path("matchLabels"), labels)),
                    d.getKey() + " has no PodDisruptionBudget");
        }
    }
}
