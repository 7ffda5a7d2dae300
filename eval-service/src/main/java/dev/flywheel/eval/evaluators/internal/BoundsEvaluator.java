package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec;
import java.util.ArrayList;
import java.util.List;

/** Length/format, latency and cost bounds: 1 when every configured bound holds, else 0 with the bounds that failed. */
public final class BoundsEvaluator implements Evaluator {
    private final EvaluatorSpec spec;

    public BoundsEvaluator(EvaluatorSpec spec) {
        if (!(spec instanceof EvaluatorSpec.LengthBounds || spec instanceof EvaluatorSpec.LatencyBound
                || spec instanceof EvaluatorSpec.CostBound)) {
            throw new IllegalArgumentException("not a bounds spec: " + spec.type());
        }
        this.spec = spec;
    }

    @Override
    public EvalResult evaluate(EvalInput in) {
        List<String> failed = new ArrayList<>();
        switch (spec) {
            case EvaluatorSpec.LengthBounds b -> {
                String text = in.completion();
                check(failed, "chars", text.codePointCount(0, text.length()), b.minChars(), b.maxChars());
                if (b.minWords() != null || b.maxWords() != null) {
                    check(failed, "words", words(text), b.minWords(), b.maxWords());
                }
                if (b.minLines() != null || b.maxLines() != null) {
                    check(failed, "lines", text.isEmpty() ? 0 : text.lines().count(), b.minLines(), b.maxLines());
                }
            }
            case EvaluatorSpec.LatencyBound b -> {
                max(failed, "latency_ms", in.latencyMs(), b.maxLatencyMs());
                max(failed, "ttft_ms", in.ttftMs(), b.maxTtftMs());
            }
            case EvaluatorSpec.CostBound b -> {
                max(failed, "cost", in.cost(), b.maxCost());
                if (b.maxTotalTokens() != null) {
                    max(failed, "total_tokens", in.promptTokens() + in.completionTokens(), b.maxTotalTokens().doubleValue());
                }
            }
            default -> throw new IllegalStateException("unreachable: " + spec.type());
        }
        return EvalResult.check(failed.isEmpty(), failed.isEmpty() ? "within bounds" : String.join("; ", failed));
    }

    private static void check(List<String> failed, String what, long value, Integer min, Integer max) {
        if (min != null && value < min) {
            failed.add(what + " " + value + " < min " + min);
        }
        if (max != null && value > max) {
            failed.add(what + " " + value + " > max " + max);
        }
    }

    private static void max(List<String> failed, String what, double value, Double max) {
        if (max != null && value > max) {
            failed.add(what + " " + value + " > max " + max);
        }
    }

    private static long words(String s) {
        long n = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            boolean ws = Character.isWhitespace(s.charAt(i));
            if (!ws && !in) {
                n++;
            }
            in = !ws;
        }
        return n;
    }
}
