package dev.flywheel.eval.evaluators;

import static dev.flywheel.eval.evaluators.Fixtures.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeterministicEvaluatorsTest {
    private static final String HUGE = "x".repeat(500_000);

    private static EvalResult run(String def, String completion, String reference) {
        return compile(def).evaluate(EvalInput.of(completion, reference));
    }

    @Test
    void stringMatchComparesWithReferenceOrFixedValueCaseInsensitively() {
        String eq = "{\"id\":\"m\",\"type\":\"string_match\",\"config\":{\"op\":\"eq\",\"case_insensitive\":true}}";
        assertEquals(1.0, run(eq, "  ÉCOLE ", "école").score());
        assertEquals(0.0, run(eq, "ecole", "école").score());
        assertEquals(ResultStatus.SKIPPED, run(eq, "x", null).status());
        String contains = "{\"id\":\"m\",\"type\":\"string_match\",\"config\":{\"op\":\"contains\",\"value\":\"🙂\"}}";
        assertEquals(1.0, run(contains, "ok 🙂 fine", null).score());
        assertEquals(0.0, run(contains, "", null).score());
        String ne = "{\"id\":\"m\",\"type\":\"string_match\",\"config\":{\"op\":\"ne\",\"value\":\"I cannot help\"}}";
        assertEquals(1.0, run(ne, HUGE, null).score());
        assertEquals(0.0, run(ne, "I cannot help", null).score());
    }

    @Test
    void regexFindsOrFullyMatchesAndStopsCatastrophicBacktracking() {
        String find = "{\"id\":\"r\",\"type\":\"regex\",\"config\":{\"pattern\":\"\\\\banswer: \\\\d+\",\"case_insensitive\":true}}";
        assertEquals(1.0, run(find, "The ANSWER: 42.", null).score());
        assertEquals(0.0, run(find, "no number", null).score());
        String full = "{\"id\":\"r\",\"type\":\"regex\",\"config\":{\"pattern\":\"\\\\d+\",\"mode\":\"full\"}}";
        assertEquals(0.0, run(full, "42 apples", null).score());
        String evil = "{\"id\":\"r\",\"type\":\"regex\",\"config\":{\"pattern\":\"(a+)+$\"}}";
        EvalResult r = run(evil, "a".repeat(5_000) + "!", null);
        assertEquals(ResultStatus.ERROR, r.status(), r.reason());
        assertTrue(r.reason().contains("time budget"), r.reason());
    }

    @Test
    void jsonValidityScoresMalformedJsonAsZeroNotAsError() {
        String def = "{\"id\":\"j\",\"type\":\"json_valid\"}";
        assertEquals(1.0, run(def, "{\"a\": [1, 2, {\"é\": null}]}", null).score());
        for (String bad : List.of("", "{", "{\"a\":1} trailing", "{'a': 1}", "[1,]", "\u0000", HUGE)) {
            EvalResult r = run(def, bad, null);
            assertTrue(r.valid(), r.reason());
            assertEquals(0.0, r.score(), bad.length() > 20 ? "huge" : bad);
        }
        String fenced = "{\"id\":\"j\",\"type\":\"json_valid\",\"config\":{\"allow_fence\":true}}";
        assertEquals(1.0, run(fenced, "```json\n{\"a\":1}\n```", null).score());
        assertEquals(1.0, run(def, "[".repeat(500) + "]".repeat(500), null).score());
    }

    @Test
    void jsonSchemaReportsTheViolations() {
        String def = "{\"id\":\"s\",\"type\":\"json_schema\",\"pass_threshold\":1,\"config\":{\"schema\":{\"type\":\"object\","
                + "\"required\":[\"name\",\"age\"],\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":0}}}}}";
        EvalResult ok = run(def, "{\"name\":\"Zoë\",\"age\":3}", null);
        assertEquals(1.0, ok.score());
        assertTrue(ok.passed());
        EvalResult bad = run(def, "{\"name\":7,\"age\":-1}", null);
        assertEquals(0.0, bad.score());
        assertFalse(bad.passed());
        assertEquals(2.0, bad.subMetrics().get("violations"));
        assertEquals(0.0, run(def, "not json", null).score());
    }

    @Test
    void numericExtractsTheLastNumberAndComparesWithinTolerance() {
        String def = "{\"id\":\"n\",\"type\":\"numeric\",\"config\":{\"tolerance\":0.01}}";
        assertEquals(1.0, run(def, "Step 1: 12+30. The answer is 1,234.5", "1234.5").score());
        assertEquals(1.0, run(def, "= -3.004", "-3").score());
        assertEquals(0.0, run(def, "I think 41", "42").score());
        assertEquals(0.0, run(def, "forty-two", "42").score());
        assertEquals(0.0, run(def, "", "42").score());
        assertEquals(ResultStatus.SKIPPED, run(def, "42", null).status());
        assertEquals(ResultStatus.ERROR, run(def, "42", "n/a").status());
        assertEquals(1.0, run(def, "١٢ or 12", "12").score());
        String fixed = "{\"id\":\"n\",\"type\":\"numeric\",\"config\":{\"expected\":100,\"relative_tolerance\":0.05}}";
        assertEquals(1.0, run(fixed, "about 1.04e2", null).score());
    }

    @Test
    void lengthLatencyAndCostBoundsNameTheBoundThatFailed() {
        String len = "{\"id\":\"l\",\"type\":\"length\",\"config\":{\"min_words\":2,\"max_chars\":10,\"max_lines\":1}}";
        assertEquals(1.0, run(len, "hi there", null).score());
        EvalResult tooLong = run(len, "🙂🙂 🙂🙂🙂🙂🙂🙂🙂🙂", null); // 11 code points, 22 UTF-16 chars
        assertEquals(0.0, tooLong.score());
        assertTrue(tooLong.reason().contains("chars 11 > max 10"), tooLong.reason());
        assertEquals(0.0, run(len, "", null).score());
        assertEquals(0.0, run(len, "a\nb", null).score());
        String lat = "{\"id\":\"t\",\"type\":\"latency\",\"config\":{\"max_latency_ms\":500}}";
        var fast = new EvalInput("r", "", "", List.of(), "x", null, 120, 10, 0, 0, 0, Map.of());
        var slow = new EvalInput("r", "", "", List.of(), "x", null, 900, 10, 0, 0, 0, Map.of());
        assertEquals(1.0, compile(lat).evaluate(fast).score());
        assertEquals(0.0, compile(lat).evaluate(slow).score());
        String cost = "{\"id\":\"c\",\"type\":\"cost\",\"config\":{\"max_cost\":0.01,\"max_total_tokens\":100}}";
        var cheap = new EvalInput("r", "", "", List.of(), "x", null, 1, 1, 0.001, 50, 40, Map.of());
        var wordy = new EvalInput("r", "", "", List.of(), "x", null, 1, 1, 0.001, 50, 60, Map.of());
        assertEquals(1.0, compile(cost).evaluate(cheap).score());
        assertTrue(compile(cost).evaluate(wordy).reason().contains("total_tokens 110.0 > max 100.0"));
    }

    @Test
    void passThresholdIsAbsentUnlessDeclared() {
        EvalResult r = run("{\"id\":\"j\",\"type\":\"json_valid\"}", "{}", null);
        assertNull(r.passed());
    }
}
