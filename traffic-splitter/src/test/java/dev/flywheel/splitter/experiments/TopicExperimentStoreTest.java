package dev.flywheel.splitter.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<String>> results = new ArrayList<>();
            for (Callable<String> c : List.<Callable<String>>of(
                    () -> { go.await(); return sa.start("race", "a").status().wire(); },
                    () -> { go.await(); return sb.start("race", "b").status().wire(); })) {
                results.add(pool.submit(() -> {
                    try {
                        return c.call();
                    } catch (ExperimentConflictException e) {
                        return "conflict";
                    }
                }));
            }
            go.countDown();
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) outcomes.add(f.get());
            pool.shutdown();
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
}
