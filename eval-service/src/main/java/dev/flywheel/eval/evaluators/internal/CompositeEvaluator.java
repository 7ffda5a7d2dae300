package dev.flywheel.eval.evaluators.internal;

import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.evaluators.Evaluator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.objecthunter.exp4j.Expression;

/**
 * A weighted sum (sum of weight_i * score_i) or an exp4j formula over component scores, each variable named by
 * its component's evaluator id. Components run in order on the caller's thread; if any component is not valid the
 * composite is not valid either (its reason names the component), because a partial sum would be a wrong score.
 * Sub-metrics hold every component's score under its evaluator id.
 */
public final class CompositeEvaluator implements Evaluator {
    /** A compiled component and its weight. */
    public record Part(CompiledEvaluator evaluator, double weight) {}

    private final List<Part> parts;
    private final Expression formula; // null for a weighted sum; exp4j Expressions are not thread-safe: copied per call

    public CompositeEvaluator(List<Part> parts, Expression formula) {
        this.parts = List.copyOf(parts);
        this.formula = formula;
    }

    @Override
    public EvalResult evaluate(EvalInput input) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (Part p : parts) {
            EvalResult r = p.evaluator().evaluate(input);
            if (!r.valid()) {
                return new EvalResult(r.status(), Double.NaN, null,
                        "component " + p.evaluator().definition().ref() + " " + r.status().name().toLowerCase(java.util.Locale.ROOT)
                                + ": " + r.reason(), scores);
            }
            scores.put(p.evaluator().definition().id(), r.score());
        }
        double score;
        if (formula == null) {
            score = 0;
            for (Part p : parts) {
                score += p.weight() * scores.get(p.evaluator().definition().id());
            }
        } else {
            Expression e = new Expression(formula);
            e.setVariables(new HashMap<>(scores));
            score = e.evaluate();
        }
        if (!Double.isFinite(score)) {
            return EvalResult.error("composite formula produced " + score + " from " + scores);
        }
        return EvalResult.ok(score, "composite of " + scores.keySet(), scores);
    }
}
