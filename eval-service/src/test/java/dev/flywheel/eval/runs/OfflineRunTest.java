package dev.flywheel.eval.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.eval.datasets.DatasetConflictException;
import dev.flywheel.eval.datasets.DatasetException;
import dev.flywheel.eval.datasets.DatasetParser;
import dev.flywheel.eval.datasets.DatasetStore;
import dev.flywheel.eval.evaluators.Fixtures;
import dev.flywheel.eval.evaluators.StubServer;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.InMemoryRegistryStore;
import dev.flywheel.eval.runs.internal.ChatClient;
import dev.flywheel.eval.runs.internal.RunStore;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FlywheelServicesExtension.class)
class OfflineRunTest {
    private static final int ITEMS = 12;

    /** A stub variant server: model "strong" adds correctly; "weak" is off by one on every third question. */
    private static StubServer backend() throws Exception {
        return new StubServer(body -> {
            JsonNode req = Fixtures.json(body);
            String q = req.at("/messages/0/content").asText(); // "N+1="
            int n = Integer.parseInt(q.substring(0, q.indexOf('+')));
            boolean weak = req.get("model").asText().equals("weak");
            int answer = weak && n % 3 == 0 ? n + 2 : n + 1;
            return StubServer.Answer.ok("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"The answer is " + answer
                    + "\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}");
        });
    }

    private static byte[] jsonl() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
            sb.append("{\"messages\":[{\"role\":\"user\",\"content\":\"").append(i).append("+1=\"}],\"reference\":\"").append(i + 1).append("\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void runsScoreEveryItemStoreResultsAndComparisonShowsTheBetterVariant(TestServices services) throws Exception {
        var mapper = Fixtures.CODEC.mapper();
        var connections = services.clickhouseConnections();
        DatasetStore datasets = new DatasetStore(connections, mapper);
        DatasetParser parser = new DatasetParser(mapper, 1000);
        assertTrue(datasets.save(parser.parse("arith", "adds", jsonl(), 1_760_000_000_000L)));
        assertTrue(!datasets.save(parser.parse("arith", "adds", jsonl(), 1_760_000_000_001L)), "identical re-upload is a no-op");
        assertThrows(DatasetConflictException.class, () -> datasets.save(parser.parse("arith", "", "{\"prompt\":\"x\"}".getBytes(), 1L)));
        DatasetException bad = assertThrows(DatasetException.class,
                () -> parser.parse("bad", "", "{\"prompt\":\"ok\"}\n{\"messages\":[{\"role\":\"user\"}]}".getBytes(), 1L));
        assertEquals("line 2: messages[0]: needs string fields role and content", bad.getMessage());

        EvaluatorRegistry registry = new EvaluatorRegistry(new InMemoryRegistryStore(), Fixtures.compiler(), Fixtures.CODEC, Clock.systemUTC());
        registry.create(Fixtures.json("{\"id\":\"answer\",\"type\":\"numeric\",\"pass_threshold\":1}"));
        registry.create(Fixtures.json("{\"id\":\"brief\",\"type\":\"length\",\"config\":{\"max_words\":3}}"));

        try (StubServer server = backend(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            EvalRuns runs = new EvalRuns(datasets, registry, new ChatClient(HttpClient.newHttpClient(), mapper, Duration.ofSeconds(10), 1),
                    new RunStore(connections, mapper), pool, Clock.systemUTC(), 0.95);
            List<EvaluatorRef> evaluators = List.of(new EvaluatorRef("answer", null), new EvaluatorRef("brief", null));
            VariantTarget weak = new VariantTarget("base", server.uri(), "weak", 0.7, 16, null);
            VariantTarget strong = new VariantTarget("candidate", server.uri(), "strong", 0.7, 16, null);

            RunSummary a = runs.run(new RunSpec("arith", weak, evaluators, 2, 4));
            assertEquals(RunStatus.SUCCEEDED, a.status(), a.error());
            EvaluatorSummary answerA = a.evaluators().getFirst();
            assertEquals(ITEMS * 2, answerA.results());
            assertEquals(ITEMS * 2, answerA.valid());
            assertEquals(8.0 / 12, answerA.mean(), 1e-12); // items 0,3,6,9 are wrong
            assertEquals(8.0 / 12, answerA.passRate(), 1e-12);
            assertEquals(8.0 / 12, answerA.passAtK(), 1e-12);
            assertNotNull(answerA.ciLow());
            assertEquals(0.0, a.evaluators().get(1).mean(), "'The answer is N' is 4 words");

            assertEquals(a, runs.get(a.runId()).orElseThrow(), "the summary is stored and read back");
            RunSummary b = runs.run(new RunSpec("arith", strong, evaluators, 2, 4));
            Comparison c = runs.compare(a.runId(), b.runId(), "answer");
            assertEquals(ITEMS, c.pairs());
            assertEquals(1.0 / 3, c.meanDiff(), 1e-12);
            assertEquals(4, c.wins());
            assertEquals(0, c.losses());
            assertTrue(c.better(), c.toString());
            assertTrue(c.ciLow() > 0 && c.ciHigh() > c.ciLow(), c.toString());

            List<Comparison> gate = runs.compareVariants("arith", weak, strong, List.of(new EvaluatorRef("answer", 1)), 1, 4);
            assertTrue(gate.getFirst().notWorseBy(0.0));
            assertThrows(RunNotFoundException.class, () -> runs.compare("run-missing", b.runId(), "answer"));
            assertThrows(IllegalArgumentException.class, () -> runs.run(new RunSpec("nope", weak, evaluators, 1, 1)));
        }
    }

    @Test
    void aVariantThatFailsYieldsErrorResultsNotZeros(TestServices services) throws Exception {
        var mapper = Fixtures.CODEC.mapper();
        DatasetStore datasets = new DatasetStore(services.clickhouseConnections(), mapper);
        datasets.save(new DatasetParser(mapper, 10).parse("one", "", "{\"prompt\":\"1+1=\",\"reference\":2}".getBytes(), 1_760_000_000_000L));
        EvaluatorRegistry registry = new EvaluatorRegistry(new InMemoryRegistryStore(), Fixtures.compiler(), Fixtures.CODEC, Clock.systemUTC());
        registry.create(Fixtures.json("{\"id\":\"answer\",\"type\":\"numeric\"}"));
        try (StubServer down = new StubServer(body -> new StubServer.Answer(500, "{}", 0));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            EvalRuns runs = new EvalRuns(datasets, registry, new ChatClient(HttpClient.newHttpClient(), mapper, Duration.ofSeconds(5), 0),
                    new RunStore(services.clickhouseConnections(), mapper), pool, Clock.systemUTC(), 0.95);
            RunSummary s = runs.run(new RunSpec("one", new VariantTarget(null, down.uri(), "m", null, null, null),
                    List.of(new EvaluatorRef("answer", null)), 1, 1));
            assertEquals(RunStatus.SUCCEEDED, s.status());
            assertEquals(1, s.evaluators().getFirst().errors());
            assertEquals(null, s.evaluators().getFirst().mean());
        }
    }
}
