package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec.RegexMatch;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** 1 when the pattern is found (or matches fully), 0 otherwise; a match that runs past its time budget is an error. */
public final class RegexEvaluator implements Evaluator {
    private final RegexMatch spec;
    private final Pattern pattern;
    private final long budgetNanos;

    public RegexEvaluator(RegexMatch spec, Duration budget) {
        this.spec = spec;
        int flags = spec.caseInsensitive() ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
        this.pattern = Pattern.compile(spec.pattern(), flags);
        this.budgetNanos = budget.toNanos();
    }

    @Override
    public EvalResult evaluate(EvalInput input) {
        CharSequence text = new DeadlineCharSequence(input.completion(), System.nanoTime() + budgetNanos);
        boolean matched;
        try {
            Matcher m = pattern.matcher(text);
            matched = spec.mode().equals("full") ? m.matches() : m.find();
        } catch (DeadlineCharSequence.DeadlineExceeded e) {
            return EvalResult.error(e.getMessage());
        } catch (StackOverflowError e) {
            return EvalResult.error("regular expression overflowed the stack on an input of " + input.completion().length() + " chars");
        }
        boolean held = matched == spec.expectMatch();
        return EvalResult.check(held, matched ? "pattern matched" : "pattern did not match");
    }
}
