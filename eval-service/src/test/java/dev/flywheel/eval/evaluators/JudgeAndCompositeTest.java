package dev.flywheel.eval.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.ChatMessage;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class JudgeAndCompositeTest {
    private static String chat(String content) {
        return "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(content).toString() + "}}]}";
    }

    private static CompiledEvaluator judge(StubServer s, String extra) {
        var endpoint = new EvaluatorBackends.OpenAiEndpoint(s.uri(), "judge-model", "sk-secret");
        var compiler = new EvaluatorCompiler(Fixtures.backends(Clock.systemUTC(), Optional.of(endpoint), Optional.empty()));
        return Fixtures.compile(compiler, "{\"id\":\"judge\",\"type\":\"llm_judge\",\"pass_threshold\":7,\"config\":{\"rubric\":"
                + "\"Question: {{question}}\\nAnswer: {{completion}}\\nReference: {{reference}}\\nScore 1-10.\",\"min_score\":1,\"max_score\":10"
                + extra + "}}");
    }

    @Test
    void judgeGetsTheFilledRubricAndItsScoreAndReasoningAreKept() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        try (StubServer s = new StubServer(body -> {
            seen.set(body);
            return StubServer.Answer.ok(chat("```json\n{\"score\": 8, \"reasoning\": \"correct, terse\"}\n```"));
        })) {
            var in = new EvalInput("r1", "", "", List.of(new ChatMessage("user", "12+30?")), "42", "42", 0, 0, 0, 0, 0, Map.of());
            EvalResult r = judge(s, "").evaluate(in);
            assertEquals(8.0, r.score());
            assertTrue(r.passed());
            assertEquals("correct, terse", r.reason());
            var sent = Fixtures.json(seen.get());
            assertEquals("judge-model", sent.get("model").asText());
            assertEquals(0, sent.get("temperature").asInt());
            String user = sent.at("/messages/1/content").asText();
            assertTrue(user.contains("Question: 12+30?") && user.contains("Answer: 42") && user.contains("Reference: 42"), user);
        }
    }

    @Test
    void judgeScoresAreClampedAndFreeTextIsAnErrorNotAGuess() throws Exception {
        try (StubServer s = new StubServer(body -> StubServer.Answer.ok(chat("{\"score\": 11.5, \"reasoning\": \"great\"}")))) {
            EvalResult r = judge(s, "").evaluate(EvalInput.of("x", null));
            assertEquals(10.0, r.score());
            assertEquals(11.5, r.subMetrics().get("raw_score"));
        }
        for (String content : List.of("I'd give it an 8/10", "{\"reasoning\": \"no score\"}", "{\"score\": \"eight\"}", "", "[8]")) {
            try (StubServer s = new StubServer(body -> StubServer.Answer.ok(chat(content)))) {
                EvalResult r = judge(s, "").evaluate(EvalInput.of("x", null));
                assertEquals(ResultStatus.ERROR, r.status(), content);
            }
        }
        try (StubServer down = new StubServer(body -> new StubServer.Answer(502, "bad gateway", 0))) {
            EvalResult r = judge(down, ",\"max_retries\":0").evaluate(EvalInput.of("x", null));
            assertEquals(ResultStatus.ERROR, r.status());
            assertTrue(r.reason().contains("HTTP 502"), r.reason());
        }
    }

    @Test
    void compositeCombinesComponentsByWeightOrFormulaAndPropagatesErrors() {
        EvaluatorCompiler compiler = Fixtures.compiler();
        CompiledEvaluator json = Fixtures.compile(compiler, "{\"id\":\"fmt\",\"type\":\"json_valid\"}");
        CompiledEvaluator len = Fixtures.compile(compiler, "{\"id\":\"short\",\"type\":\"length\",\"config\":{\"max_chars\":10}}");
        CompiledEvaluator num = Fixtures.compile(compiler, "{\"id\":\"answer\",\"type\":\"numeric\"}");
        ComponentResolver resolver = (id, v) -> Optional.ofNullable(Map.of("fmt", json, "short", len, "answer", num).get(id));
        CompiledEvaluator weighted = compiler.compile(Fixtures.definition("{\"id\":\"w\",\"type\":\"composite\",\"pass_threshold\":0.8,"
                + "\"config\":{\"components\":[{\"evaluator\":\"fmt\",\"version\":1,\"weight\":0.7},{\"evaluator\":\"short\",\"version\":1,\"weight\":0.3}]}}"), resolver);
        EvalResult r = weighted.evaluate(EvalInput.of("{\"a\":12345}", null));
        assertEquals(0.7, r.score(), 1e-12);
        assertEquals(0.0, r.subMetrics().get("short"));
        assertTrue(!r.passed());
        CompiledEvaluator formula = compiler.compile(Fixtures.definition("{\"id\":\"f\",\"type\":\"composite\",\"config\":{\"formula\":"
                + "\"fmt * (0.5 + 0.5 * short)\",\"components\":[{\"evaluator\":\"fmt\",\"version\":1},{\"evaluator\":\"short\",\"version\":1}]}}"), resolver);
        assertEquals(1.0, formula.evaluate(EvalInput.of("[1]", null)).score(), 1e-12);
        assertEquals(0.0, formula.evaluate(EvalInput.of("nope", null)).score(), 1e-12);
        CompiledEvaluator withAnswer = compiler.compile(Fixtures.definition("{\"id\":\"g\",\"type\":\"composite\",\"config\":{"
                + "\"components\":[{\"evaluator\":\"fmt\",\"version\":1},{\"evaluator\":\"answer\",\"version\":1}]}}"), resolver);
        EvalResult skipped = withAnswer.evaluate(EvalInput.of("1", null));
        assertEquals(ResultStatus.SKIPPED, skipped.status());
        assertTrue(skipped.reason().startsWith("component answer@1 skipped"), skipped.reason());
        CompiledEvaluator divide = compiler.compile(Fixtures.definition("{\"id\":\"d\",\"type\":\"composite\",\"config\":{\"formula\":"
                + "\"1 / (fmt - 1)\",\"components\":[{\"evaluator\":\"fmt\",\"version\":1}]}}"), resolver);
        assertEquals(ResultStatus.ERROR, divide.evaluate(EvalInput.of("{}", null)).status());
    }

    @Test
    void anEvaluatorThatThrowsYieldsAnErrorResult() {
        var def = Fixtures.definition("{\"id\":\"boom\",\"type\":\"json_valid\"}");
        var ce = new CompiledEvaluator(def, in -> {
            throw new IllegalStateException("kaboom");
        });
        EvalResult r = ce.evaluate(EvalInput.of("x", null));
        assertEquals(ResultStatus.ERROR, r.status());
        assertTrue(r.reason().contains("kaboom"));
        assertTrue(Double.isNaN(r.score()));
    }

    @Test
    void embeddingCosineUsesTheConfiguredBackendAndNeedsAReference() throws Exception {
        try (StubServer s = new StubServer(body -> StubServer.Answer.ok("{\"data\":[{\"index\":1,\"embedding\":[1,0]},"
                + "{\"index\":0,\"embedding\":[1,1]}]}"))) {
            var endpoint = new EvaluatorBackends.OpenAiEndpoint(s.uri(), "emb", "");
            var compiler = new EvaluatorCompiler(Fixtures.backends(Clock.systemUTC(), Optional.empty(), Optional.of(endpoint)));
            CompiledEvaluator ce = Fixtures.compile(compiler, "{\"id\":\"sem\",\"type\":\"embedding_cosine\"}");
            assertEquals(Math.sqrt(0.5), ce.evaluate(EvalInput.of("ünïcode", "reference")).score(), 1e-12);
            assertEquals(ResultStatus.SKIPPED, ce.evaluate(EvalInput.of("x", null)).status());
        }
        try (StubServer zero = new StubServer(body -> StubServer.Answer.ok("{\"data\":[{\"embedding\":[0,0]},{\"embedding\":[1,0]}]}"))) {
            var endpoint = new EvaluatorBackends.OpenAiEndpoint(zero.uri(), "emb", "");
            var compiler = new EvaluatorCompiler(Fixtures.backends(Clock.systemUTC(), Optional.empty(), Optional.of(endpoint)));
            CompiledEvaluator ce = Fixtures.compile(compiler, "{\"id\":\"sem\",\"type\":\"embedding_cosine\"}");
            assertEquals(ResultStatus.ERROR, ce.evaluate(EvalInput.of("", "r")).status());
        }
    }
}
