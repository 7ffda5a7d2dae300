package dev.flywheel.eval.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.eval.evaluators.Fixtures;
import dev.flywheel.eval.evaluators.StubServer;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.InMemoryRegistryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class ScoringServiceTest {
    private static InferenceEvent event(String id, InferenceStatus status) {
        return new InferenceEvent(id, 1_760_000_000_000L, "", "", -1, "u", "m", "", List.of(), "{\"ok\":true}", "stop",
                1, 1, 1, 1, 0, status, "", Map.of());
    }

    @Test
    void anEvaluatorPastItsDeadlineYieldsAnErrorScoreAndTheOthersStillScore() throws Exception {
        try (StubServer slow = new StubServer(body -> new StubServer.Answer(200, "{\"score\":1}", 3_000));
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            EvaluatorRegistry registry = new EvaluatorRegistry(new InMemoryRegistryStore(), Fixtures.compiler(), Fixtures.CODEC, Clock.systemUTC());
            registry.create(Fixtures.json("{\"id\":\"slow\",\"type\":\"http\",\"config\":{\"url\":\"" + slow.uri()
                    + "/r\",\"timeout_ms\":10000,\"max_retries\":0},\"sampling\":{\"rate\":1}}"));
            registry.create(Fixtures.json("{\"id\":\"fmt\",\"type\":\"json_valid\",\"sampling\":{\"rate\":1}}"));
            Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
            ScoringService service = new ScoringService(registry, new RequestSampler(), pool, Duration.ofMillis(200), fixed,
                    Fixtures.CODEC.mapper(), new SimpleMeterRegistry());
            List<ScoreEvent> scores = service.score(List.of(event("r1", InferenceStatus.OK), event("r2", InferenceStatus.ERROR)));
            assertEquals(2, scores.size(), "the failed upstream request is not scored");
            ScoreEvent timedOut = scores.stream().filter(s -> s.evaluatorId().equals("slow")).findFirst().orElseThrow();
            assertEquals(ScoreStatus.ERROR, timedOut.status());
            assertTrue(timedOut.detail().contains("timed out after 200 ms"), timedOut.detail());
            ScoreEvent fmt = scores.stream().filter(s -> s.evaluatorId().equals("fmt")).findFirst().orElseThrow();
            assertEquals(ScoreStatus.OK, fmt.status());
            assertEquals(1.0, fmt.score());
            assertEquals(fixed.millis(), fmt.ts());
            assertEquals(ScoreEvent.eventIdFor("r1", "fmt", 1), fmt.eventId());
        }
    }
}
