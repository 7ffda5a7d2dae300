package dev.flywheel.eval.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import dev.flywheel.eval.evaluators.Fixtures;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.InMemoryRegistryStore;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FlywheelServicesExtension.class)
class OnlineScoringTest {
    private static final int EVENTS = 30;

    private static InferenceEvent event(int i) {
        String experiment = i % 2 == 0 ? "exp1" : "exp2";
        return new InferenceEvent("req-" + i, 1_760_000_000_000L + i, experiment, i % 3 == 0 ? "control" : "treatment", 0, "user-" + i,
                "tiny", "", List.of(new ChatMessage("user", i + "+1=")), "The answer is " + (i % 5 == 0 ? i : i + 1), "stop",
                4, 5, 10, 50, 0, InferenceStatus.OK, "", Map.of("reference", Integer.toString(i + 1)));
    }

    private static EvaluatorRegistry registry() {
        EvaluatorRegistry r = new EvaluatorRegistry(new InMemoryRegistryStore(), Fixtures.compiler(), Fixtures.CODEC, Clock.systemUTC());
        r.create(Fixtures.json("{\"id\":\"answer\",\"type\":\"numeric\",\"pass_threshold\":1,\"sampling\":{\"rate\":1,\"experiments\":[\"exp1\"]}}"));
        r.create(Fixtures.json("{\"id\":\"half\",\"type\":\"length\",\"config\":{\"max_chars\":100},\"sampling\":{\"rate\":0.5}}"));
        // nothing listens on port 9: every call fails, and the consumer must carry on
        r.create(Fixtures.json("{\"id\":\"reward\",\"type\":\"http\",\"config\":{\"url\":\"http://127.0.0.1:9/r\",\"max_retries\":0,"
                + "\"breaker_failures\":1000},\"sampling\":{\"rate\":1,\"variants\":[\"control\"]}}"));
        r.create(Fixtures.json("{\"id\":\"offline_only\",\"type\":\"json_valid\"}"));
        return r;
    }

    private static Map<String, ScoreEvent> runConsumer(TestServices services, String group, int expected) throws Exception {
        EventCodec codec = new EventCodec();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            EvaluatorRegistry registry = registry();
            ScoringService service = new ScoringService(registry, new RequestSampler(), pool, Duration.ofSeconds(10), Clock.systemUTC(),
                    Fixtures.CODEC.mapper(), meters);
            Map<String, ScoreEvent> seen = new HashMap<>();
            try (ScoringConsumer consumer = new ScoringConsumer(services.kafkaBootstrap(), services.namespace() + "-" + group,
                    services.topics(), codec, service, registry, Duration.ofMinutes(5), Clock.systemUTC(), meters);
                 KafkaConsumer<byte[], byte[]> scores = new KafkaConsumer<>(services.consumerProperties("reader-" + group))) {
                consumer.start();
                scores.subscribe(List.of(services.topics().scores().name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline && (seen.size() < expected || consumer.undecodableCount() < 1)) {
                    for (var rec : scores.poll(Duration.ofMillis(200))) {
                        ScoreEvent s = codec.decode(rec.value(), ScoreEvent.class);
                        if (s.ts() > 0) {
                            seen.putIfAbsent(s.eventId(), s);
                        }
                    }
                }
                assertEquals(1, consumer.undecodableCount(), "the garbage record is skipped and counted");
            }
            return seen;
        }
    }

    @Test
    void scoresSampledTrafficThroughKafkaAndSurvivesFailingEvaluatorsAndBadRecords(TestServices services) throws Exception {
        EventCodec codec = new EventCodec();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(services.producerProperties())) {
            String inference = services.topics().inference().name();
            for (int i = 0; i < EVENTS; i++) {
                InferenceEvent e = event(i);
                producer.send(new ProducerRecord<>(inference, e.key().getBytes(StandardCharsets.UTF_8), codec.encode(e)));
                if (i == 7) {
                    producer.send(new ProducerRecord<>(inference, "k".getBytes(StandardCharsets.UTF_8), "{not json".getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
        int answer = 0, half = 0, reward = 0;
        for (int i = 0; i < EVENTS; i++) {
            InferenceEvent e = event(i);
            answer += e.experimentId().equals("exp1") ? 1 : 0;
            half += RequestSampler.unit(e.eventId(), "half") < 0.5 ? 1 : 0;
            reward += e.variantId().equals("control") ? 1 : 0;
        }
        int expected = answer + half + reward;

        Map<String, ScoreEvent> first = runConsumer(services, "a", expected);
        assertEquals(expected, first.size(), "one score per sampled (request, evaluator)");
        for (ScoreEvent s : first.values()) {
            assertEquals(ScoreEvent.eventIdFor(s.requestId(), s.evaluatorId(), s.evaluatorVersion()), s.eventId());
            int i = Integer.parseInt(s.requestId().substring(4));
            switch (s.evaluatorId()) {
                case "answer" -> {
                    assertEquals(ScoreStatus.OK, s.status());
                    assertEquals(i % 5 == 0 ? 0.0 : 1.0, s.score(), s.toString());
                    assertEquals(i % 5 != 0, s.passed());
                    assertEquals("exp1", s.experimentId());
                }
                case "half" -> assertTrue(RequestSampler.unit(s.requestId(), "half") < 0.5);
                case "reward" -> {
                    assertEquals(ScoreStatus.ERROR, s.status());
                    assertTrue(s.detail().contains("call failed"), s.detail());
                    assertEquals("control", s.variantId());
                }
                default -> throw new AssertionError("unexpected evaluator " + s.evaluatorId());
            }
        }
        // A replay (a new consumer group reading from the start) makes the same choices and the same ids.
        Map<String, ScoreEvent> replay = runConsumer(services, "b", expected);
        assertEquals(first.keySet(), replay.keySet());
    }
}
