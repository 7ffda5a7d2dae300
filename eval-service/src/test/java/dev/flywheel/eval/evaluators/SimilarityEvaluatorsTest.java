package dev.flywheel.eval.evaluators;

import static dev.flywheel.eval.evaluators.Fixtures.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimilarityEvaluatorsTest {
    private static EvalResult run(String type, String completion, String reference) {
        return compile("{\"id\":\"s\",\"type\":\"" + type + "\"}").evaluate(EvalInput.of(completion, reference));
    }

    @Test
    void editDistanceCountsCodePointsNotUtf16Units() {
        assertEquals(1.0, run("edit_distance", "", "").score());
        assertEquals(1.0 - 1.0 / 3, run("edit_distance", "kit", "kat").score(), 1e-12);
        // one emoji differs: 1 edit out of 2 code points (not 2 out of 4 UTF-16 units)
        assertEquals(0.5, run("edit_distance", "a🙂", "a😀").score(), 1e-12);
        assertEquals(0.0, run("edit_distance", "", "abc").score());
    }

    @Test
    void tokenF1AndRougeLMatchHandComputedValues() {
        EvalResult f1 = run("token_f1", "The cat sat on the mat", "the cat is on the mat");
        // common multiset: the x2, cat, on, mat = 5 of 6 and 6 → F1 = 5/6
        assertEquals(5.0 / 6, f1.score(), 1e-12);
        assertEquals(5.0 / 6, f1.subMetrics().get("precision"), 1e-12);
        EvalResult rouge = run("rouge_l", "police killed the gunman", "police kill the gunman");
        // LCS = police, the, gunman = 3; P = R = 3/4
        assertEquals(0.75, rouge.score(), 1e-12);
        assertEquals(0.0, run("token_f1", "", "something").score());
        assertEquals(1.0, run("rouge_l", "Привет, мир!", "привет мир").score(), 1e-12);
    }

    @Test
    void similarityWithoutReferenceIsSkippedAndHugeInputsAreErrorsNotHangs() {
        assertEquals(ResultStatus.SKIPPED, run("rouge_l", "x", null).status());
        String huge = "word ".repeat(100_000);
        EvalResult r = run("rouge_l", huge, huge);
        assertEquals(ResultStatus.ERROR, r.status());
        assertTrue(r.reason().contains("exceeds"), r.reason());
        assertEquals(ResultStatus.ERROR, run("edit_distance", "y".repeat(20_000), "z".repeat(20_000)).status());
        assertEquals(1.0, run("token_f1", huge, huge).score(), 1e-12);
    }
}
