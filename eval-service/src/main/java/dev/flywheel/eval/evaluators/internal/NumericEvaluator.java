package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec.NumericAnswer;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts a number from the completion ("The answer is 1,234.5" → 1234.5; the last number by default, the usual
 * "final answer" convention) and compares it with the expected value within an absolute or relative tolerance.
 * No number in the completion is a valid 0; no expected value at all (neither configured nor in the reference) is
 * a skip.
 */
public final class NumericEvaluator implements Evaluator {
    static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|[-+]?\\.\\d+");

    private final NumericAnswer spec;

    public NumericEvaluator(NumericAnswer spec) {
        this.spec = spec;
    }

    @Override
    public EvalResult evaluate(EvalInput input) {
        double expected;
        if (spec.expected() != null) {
            expected = spec.expected();
        } else if (input.hasReference()) {
            OptionalDouble ref = extract(input.reference(), "first");
            if (ref.isEmpty()) {
                return EvalResult.error("the reference contains no number: '" + abbreviate(input.reference()) + "'");
            }
            expected = ref.getAsDouble();
        } else {
            return EvalResult.skipped("numeric needs config.expected or a reference, and this input has neither");
        }
        OptionalDouble answer = extract(input.completion(), spec.position());
        if (answer.isEmpty()) {
            return EvalResult.ok(0.0, "no number in the completion", Map.of("expected", expected));
        }
        double a = answer.getAsDouble();
        double err = Math.abs(a - expected);
        boolean held = err <= spec.tolerance() || err <= spec.relativeTolerance() * Math.abs(expected);
        return EvalResult.ok(held ? 1.0 : 0.0, (held ? "answer " : "wrong answer ") + a + " vs expected " + expected,
                Map.of("answer", a, "expected", expected, "abs_error", err));
    }

    static OptionalDouble extract(String text, String position) {
        Matcher m = NUMBER.matcher(text);
        String found = null;
        while (m.find()) {
            found = m.group();
            if (position.equals("first")) {
                break;
            }
        }
        if (found == null) {
            return OptionalDouble.empty();
        }
        double v = Double.parseDouble(found.replace(",", ""));
        return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
