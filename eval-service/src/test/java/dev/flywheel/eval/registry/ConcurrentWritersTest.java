package dev.flywheel.eval.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import dev.flywheel.eval.evaluators.Fixtures;
import dev.flywheel.eval.registry.internal.KafkaRegistryStore;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two replicas of the registry over one real Kafka topic, each with its own view: when both change one evaluator at
 * once, the first write wins everywhere and the other gets a 409 with nothing stored — no acknowledged version is ever
 * replaced by another replica's.
 */
@ExtendWith(FlywheelServicesExtension.class)
class ConcurrentWritersTest {
    private static EvaluatorRegistry replica(KafkaRegistryStore store) {
        return new EvaluatorRegistry(store, Fixtures.compiler(), Fixtures.CODEC, Clock.systemUTC());
    }

    private static com.fasterxml.jackson.databind.JsonNode def(String id, String description) {
        return Fixtures.json("{\"id\":\"" + id + "\",\"type\":\"json_valid\",\"description\":\"" + description + "\"}");
    }

    private static String prefix(TestServices services, String test) {
        return services.topics().prefix() + test + System.nanoTime() + ".";
    }

    @Test
    void aStaleReplicasChangeIsRefusedAndTheAcknowledgedVersionStays(TestServices services) {
        String prefix = prefix(services, "stale");
        try (var storeA = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC);
             var storeB = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC)) {
            EvaluatorRegistry a = replica(storeA);
            a.create(def("fmt", "v1"));
            EvaluatorRegistry b = replica(storeB); // B has seen v1
            assertEquals(2, a.addVersion("fmt", def("fmt", "v2 from A")).version());

            var lost = assertThrows(EvaluatorConflictException.class, () -> b.addVersion("fmt", def("fmt", "v2 from B")));
            assertTrue(lost.getMessage().contains("changed by another writer"), lost.getMessage());
            assertEquals("v2 from A", b.get("fmt").orElseThrow().latest().description(), "the loser now shows the winner's change");
            assertEquals("v2 from A", b.evaluator("fmt", 2).definition().description(), "and scores fmt@2 with the winner's definition");
            assertEquals(3, b.addVersion("fmt", def("fmt", "v3 from B")).version(), "a retry builds on the winner");

            EvaluatorRecord fresh = replica(storeA).get("fmt").orElseThrow();
            assertEquals(List.of("v1", "v2 from A", "v3 from B"), fresh.versions().stream().map(EvaluatorDefinition::description).toList());
        }
    }

    @Test
    void creatingTheSameIdOnTwoReplicasAtOnceLeavesOneOfThem(TestServices services) {
        String prefix = prefix(services, "create");
        try (var storeA = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC);
             var storeB = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC)) {
            EvaluatorRegistry a = replica(storeA);
            EvaluatorRegistry b = replica(storeB); // neither has seen the other's create
            a.create(def("judge", "from A"));
            assertThrows(EvaluatorConflictException.class, () -> b.create(def("judge", "from B")));
            assertEquals("from A", replica(storeB).get("judge").orElseThrow().latest().description());
        }
    }

    @Test
    void concurrentWritersOnTwoReplicasNeverLoseAnAcknowledgedVersion(TestServices services) throws Exception {
        String prefix = prefix(services, "race");
        try (var storeA = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC);
             var storeB = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC)) {
            replica(storeA).create(def("race", "seed"));
            List<EvaluatorRegistry> replicas = List.of(replica(storeA), replica(storeB));
            Map<Integer, String> acknowledged = new ConcurrentHashMap<>(); // version → description its writer was told
            ExecutorService writers = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                EvaluatorRegistry r = replicas.get(w % 2);
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 2; i++) {
                        String text = "writer " + writer + " change " + i;
                        for (int attempt = 0; ; attempt++) {
                            try {
                                EvaluatorDefinition d = r.addVersion("race", def("race", text));
                                assertTrue(acknowledged.putIfAbsent(d.version(), text) == null, "version " + d.version() + " acknowledged twice");
                                break;
                            } catch (EvaluatorConflictException lost) {
                                assertTrue(attempt < 50, "no progress after 50 conflicts");
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            writers.shutdown();

            EvaluatorRecord stored = replica(storeA).get("race").orElseThrow();
            assertEquals(9, stored.versions().size(), "the seed and eight acknowledged changes");
            acknowledged.forEach((version, text) -> assertEquals(text, stored.version(version).orElseThrow().description(),
                    "version " + version + " is what its writer was told"));
        }
    }

    @Test
    void aCompactedTopicFromAnEarlierReleaseIsSwitchedToKeepEveryWrite(TestServices services) throws Exception {
        String prefix = prefix(services, "upgrade");
        String topic = prefix + KafkaRegistryStore.TOPIC;
        var props = new java.util.Properties();
        props.put("bootstrap.servers", services.kafkaBootstrap());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(props)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            try (var store = new KafkaRegistryStore(services.kafkaBootstrap(), prefix, Fixtures.CODEC)) {
                var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
                var config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
                assertEquals("delete", config.get("cleanup.policy").value(), "compaction would keep a lost race's record");
                assertEquals("-1", config.get("retention.ms").value());
                assertEquals("-1", config.get("retention.bytes").value());
            }
        }
    }
}
