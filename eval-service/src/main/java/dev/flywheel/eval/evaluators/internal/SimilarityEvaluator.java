package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import dev.flywheel.eval.evaluators.EvaluatorSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reference-based text similarity in [0, 1]: normalised edit distance, token F1, ROUGE-L. No reference → skipped. */
public final class SimilarityEvaluator implements Evaluator {
    private final EvaluatorSpec spec;

    public SimilarityEvaluator(EvaluatorSpec spec) {
        if (!(spec instanceof EvaluatorSpec.EditDistance || spec instanceof EvaluatorSpec.TokenF1 || spec instanceof EvaluatorSpec.RougeL)) {
            throw new IllegalArgumentException("not a similarity spec: " + spec.type());
        }
        this.spec = spec;
    }

    @Override
    public EvalResult evaluate(EvalInput in) {
        if (!in.hasReference()) {
            return EvalResult.skipped(spec.type() + " needs a reference, and this input has none");
        }
        try {
            return switch (spec) {
                case EvaluatorSpec.EditDistance e -> {
                    String a = e.caseInsensitive() ? in.completion().toLowerCase(Locale.ROOT) : in.completion();
                    String b = e.caseInsensitive() ? in.reference().toLowerCase(Locale.ROOT) : in.reference();
                    double s = TextMetrics.editSimilarity(a, b);
                    yield EvalResult.ok(s, "edit similarity " + s);
                }
                case EvaluatorSpec.TokenF1 t -> prf("token F1", TextMetrics.tokenF1(TextMetrics.tokens(in.completion()), TextMetrics.tokens(in.reference())));
                case EvaluatorSpec.RougeL r -> prf("ROUGE-L", TextMetrics.rougeL(TextMetrics.tokens(in.completion()), TextMetrics.tokens(in.reference())));
                default -> throw new IllegalStateException("unreachable: " + spec.type());
            };
        } catch (TextMetrics.MetricTooLargeException e) {
            return EvalResult.error(e.getMessage());
        }
    }

    private static EvalResult prf(String name, double[] prf) {
        return EvalResult.ok(prf[2], name + " " + prf[2], Map.of("precision", prf[0], "recall", prf[1]));
    }

}
