package dev.flywheel.splitter.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two replicas on the real compacted topic: read-your-writes, agreement, and one winner per version. */
@ExtendWith(FlywheelServicesExtension.class)
class TopicExperimentStoreTest {
    private static TopicExperimentStore replica(TestServices services) {
        return new TopicExperimentStore(services.kafkaBootstrap(), services.topics().experiments(), new ExperimentJson(), Duration.ofSeconds(20));
    }

    @Test
    void writesAreVisibleAtOnceToTheWriterAndReplicasAgreeOnOneWinnerPerVersion(TestServices services) throws Exception {
        try (TopicExperimentStore a = replica(services); TopicExperimentStore b = replica(services)) {
            ExperimentService sa = new ExperimentService(a, v -> {}, Clock.systemUTC(), new SplittableRandom(1));
            ExperimentService sb = new ExperimentService(b, v -> {}, Clock.systemUTC(), new SplittableRandom(2));
            Experiment created = sa.create(ExperimentFixtures.definition("race"));
            assertEquals(created, a.get("race").orElseThrow(), "read-your-writes on the writer");

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (b.get("race").isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "replica b never saw the experiment");
                Thread.onSpinWait();
            }
            // Both replicas try to move version 1 on at the same moment: exactly one write may win.
            List<String> outcomes = race(() -> sa.start("race", "a"), () -> sb.start("race", "b"));
            assertEquals(1, outcomes.stream().filter("running"::equals).count(), outcomes.toString());
            assertEquals(1, outcomes.stream().filter("conflict"::equals).count(), outcomes.toString());

            while (b.get("race").orElseThrow().version() < 2 || a.get("race").orElseThrow().version() < 2) {
                assertTrue(System.nanoTime() < deadline + Duration.ofSeconds(20).toNanos(), "replicas did not converge");
                Thread.onSpinWait();
            }
            assertEquals(a.get("race"), b.get("race"));

            // A third replica rebuilt from the topic (including the losing record) agrees too.
            try (TopicExperimentStore c = replica(services)) {
                assertEquals(a.get("race"), c.get("race"));
            }
        }
    }

    /**
     * Compaction keeps only the last record of each key: once the broker has cleaned a segment, a replica that starts
     * reads an experiment's version 3 with nothing before it. It must take that record as the experiment's state
     * (and accept version 4 after it), not wait for a version 1 that no longer exists.
     */
    @Test
    void aReplicaStartedOnACompactedLogSeesEachExperimentsLastRecord(TestServices services) throws Exception {
        Topic compacted = new Topic(services.topics().experiments().name() + ".after-compaction", Topic.Kind.COMPACTED_STATE,
                services.topics().experiments().dlq());
        Experiment latest;
        try (TopicExperimentStore a = replica(services)) {
            ExperimentService sa = new ExperimentService(a, v -> {}, Clock.systemUTC(), new SplittableRandom(3));
            sa.create(ExperimentFixtures.definition("kept", "layer-kept", 100.0));
            sa.start("kept", "go");
            latest = sa.pause("kept", "hold on");
        }
        assertEquals(3, latest.version());
        // What a cleaned segment holds for the key: its last record alone.
        try (Admin admin = Admin.create(services.adminProperties())) {
            admin.createTopics(List.of(new NewTopic(compacted.name(), 1, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(30, TimeUnit.SECONDS);
        }
        try (var producer = new KafkaProducer<byte[], byte[]>(services.producerProperties())) {
            var record = new ProducerRecord<>(compacted.name(), 0, "kept".getBytes(StandardCharsets.UTF_8), new ExperimentJson().encode(latest));
            record.headers().add(TopicExperimentStore.WRITE_ID, "w-3".getBytes(StandardCharsets.UTF_8));
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
        try (TopicExperimentStore fresh = new TopicExperimentStore(services.kafkaBootstrap(), compacted, new ExperimentJson(), Duration.ofSeconds(20))) {
            assertEquals(latest, fresh.get("kept").orElseThrow(() -> new AssertionError("the compacted experiment was dropped")));
            ExperimentService s = new ExperimentService(fresh, v -> {}, Clock.systemUTC(), new SplittableRandom(4));
            assertEquals(4, s.resume("kept", "back").version(), "the next version is accepted on top of it");
        }
    }

    /** Runs the writes at the same moment on threads of their own; each outcome is the status written or "conflict". */
    @SafeVarargs
    private static List<String> race(Callable<Experiment>... writes) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writes.length);
        List<Future<String>> results = new ArrayList<>();
        for (Callable<Experiment> write : writes) {
            results.add(pool.submit(() -> {
                go.await();
                try {
                    return write.call().status().wire();
                } catch (ExperimentConflictException e) {
                    return "conflict";
                }
            }));
        }
        go.countDown();
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
            outcomes.add(f.get());
        }
        pool.shutdown();
        return outcomes;
    }

    private static void awaitSeen(TopicExperimentStore replica, String id, long version) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (replica.get(id).map(Experiment::version).orElse(0L) < version) {
            assertTrue(System.nanoTime() < deadline, "replica never saw " + id + " v" + version);
            Thread.onSpinWait();
        }
    }

    @Test
    void aStartOnBucketsAnotherExperimentOfTheLayerHoldsIsRefusedByEveryReplica(TestServices services) {
        String layer = "slices-" + System.nanoTime();
        try (TopicExperimentStore a = replica(services); TopicExperimentStore b = replica(services)) {
            ExperimentService sa = new ExperimentService(a, v -> {}, Clock.systemUTC(), new SplittableRandom(1));
            sa.create(ExperimentFixtures.definition("x-" + layer, layer, 50));
            Experiment y = sa.create(ExperimentFixtures.definition("y-" + layer, layer, 50));
            Experiment x = sa.start("x-" + layer, "first");
            assertEquals(0, x.layerOffset());
            awaitSeen(b, y.id(), 1);
            awaitSeen(b, x.id(), 2);

            // Replica b writes y's start on buckets [0, 5000) as a replica that had not yet seen x's start would.
            Experiment stale = y.transitioned(ExperimentStatus.RUNNING, 0, y.controlVariantId(), 0, System.currentTimeMillis());
            var refused = org.junit.jupiter.api.Assertions.assertThrows(ExperimentConflictException.class, () -> b.write(stale, "stale view"));
            assertTrue(refused.getMessage().contains("took buckets [0, 5000)"), refused.getMessage());
            assertEquals(ExperimentStatus.DRAFT, b.get(y.id()).orElseThrow().status());

            // Started again from the current view it gets the free half; a rebuilt replica agrees on both slices.
            ExperimentService sb = new ExperimentService(b, v -> {}, Clock.systemUTC(), new SplittableRandom(2));
            assertEquals(5000, sb.start(y.id(), "retry").layerOffset());
            try (TopicExperimentStore c = replica(services)) {
                assertEquals(0, c.get(x.id()).orElseThrow().layerOffset());
                assertEquals(5000, c.get(y.id()).orElseThrow().layerOffset());
                assertEquals(ExperimentStatus.RUNNING, c.get(y.id()).orElseThrow().status());
            }
        }
    }

    @Test
    void twoReplicasStartingExperimentsOfOneLayerAtOnceNeverShareBuckets(TestServices services) throws Exception {
        String layer = "race-" + System.nanoTime();
        try (TopicExperimentStore a = replica(services); TopicExperimentStore b = replica(services)) {
            ExperimentService sa = new ExperimentService(a, v -> {}, Clock.systemUTC(), new SplittableRandom(1));
            ExperimentService sb = new ExperimentService(b, v -> {}, Clock.systemUTC(), new SplittableRandom(2));
            String x = sa.create(ExperimentFixtures.definition("x-" + layer, layer, 50)).id();
            String y = sa.create(ExperimentFixtures.definition("y-" + layer, layer, 50)).id();
            awaitSeen(b, y, 1);
            List<String> outcomes = race(() -> sa.start(x, "a"), () -> sb.start(y, "b"));
            assertTrue(outcomes.contains("running"), outcomes.toString());
            try (TopicExperimentStore c = replica(services)) {
                List<Experiment> serving = c.all().stream().filter(e -> e.layer().equals(layer) && e.status().servesTraffic()).toList();
                assertEquals(outcomes.stream().filter("running"::equals).count(), serving.size(), outcomes + " vs " + serving);
                if (serving.size() == 2) {
                    assertTrue(serving.get(0).layerOffset() != serving.get(1).layerOffset(), "two experiments on one slice: " + serving);
                }
            }
        }
    }
}
