package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec.StringMatch;
import java.util.Locale;

/** eq / ne / contains / not_contains between the completion and a fixed value or the reference; 1 or 0. */
public final class StringMatchEvaluator implements Evaluator {
    private final StringMatch spec;
    private final String fixed;

    public StringMatchEvaluator(StringMatch spec) {
        this.spec = spec;
        this.fixed = spec.value() == null ? null : normalise(spec.value());
    }

    @Override
    public EvalResult evaluate(EvalInput input) {
        String target = fixed;
        if (target == null) {
            if (!input.hasReference()) {
                return EvalResult.skipped("string_match without a value needs a reference, and this input has none");
            }
            target = normalise(input.reference());
        }
        String text = normalise(input.completion());
        boolean held = switch (spec.op()) {
            case "eq" -> text.equals(target);
            case "ne" -> !text.equals(target);
            case "contains" -> text.contains(target);
            case "not_contains" -> !text.contains(target);
            default -> throw new IllegalStateException("unknown op " + spec.op());
        };
        return EvalResult.check(held, held ? spec.op() + " holds" : spec.op() + " does not hold");
    }

    private String normalise(String s) {
        String t = spec.trim() ? s.strip() : s;
        return spec.caseInsensitive() ? t.toLowerCase(Locale.ROOT) : t;
    }
}
