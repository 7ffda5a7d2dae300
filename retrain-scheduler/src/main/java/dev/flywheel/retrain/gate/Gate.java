package dev.flywheel.retrain.gate;

import dev.flywheel.eval.runs.Comparison;
import dev.flywheel.retrain.dataset.DatasetItem;
import dev.flywheel.retrain.policy.GateSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Candidate vs champion on the holdout. Passes only when the candidate is significantly better on the primary
 * evaluator ({@link Comparison#better()}: the paired-difference interval entirely above 0) and not significantly
 * worse than the margin on any guardrail ({@link Comparison#notWorseBy}). At most {@code maxItems} holdout items
 * are used (the snapshot's order is already a stable hash order).
 */
public final class Gate {
    private final OfflineEvaluation evaluation;

    public Gate(OfflineEvaluation evaluation) {
        this.evaluation = evaluation;
    }

    public GateDecision evaluate(GateSpec spec, List<DatasetItem> holdout, OfflineEvaluation.Contender champion,
                                 OfflineEvaluation.Contender candidate) throws InterruptedException {
        List<DatasetItem> items = holdout.size() > spec.maxItems() ? holdout.subList(0, spec.maxItems()) : holdout;
        List<String> evaluators = new ArrayList<>();
        evaluators.add(spec.primaryEvaluator());
        evaluators.addAll(spec.guardrails());
        List<Comparison> all = evaluation.compare(items, champion, candidate, evaluators, spec.confidence());
        return decide(spec, all.getFirst(), all.subList(1, all.size()));
    }

    static GateDecision decide(GateSpec spec, Comparison primary, List<Comparison> guardrails) {
        if (!primary.better()) {
            return new GateDecision(false, String.format(Locale.ROOT,
                    "%s: candidate %s vs champion %s, difference %s with %.0f%% interval [%s, %s] over %d items is not above 0",
                    primary.evaluatorId(), num(primary.meanB()), num(primary.meanA()), num(primary.meanDiff()), 100 * primary.confidence(),
                    num(primary.ciLow()), num(primary.ciHigh()), primary.pairs()), primary, guardrails);
        }
        for (Comparison g : guardrails) {
            if (!g.notWorseBy(spec.guardrailMargin())) {
                return new GateDecision(false, String.format(Locale.ROOT,
                        "guardrail %s: difference %s with interval low %s is worse than the margin -%s", g.evaluatorId(),
                        num(g.meanDiff()), num(g.ciLow()), num(spec.guardrailMargin())), primary, guardrails);
            }
        }
        return new GateDecision(true, String.format(Locale.ROOT, "%s improved by %s (interval [%s, %s], %d items); guardrails held",
                primary.evaluatorId(), num(primary.meanDiff()), num(primary.ciLow()), num(primary.ciHigh()), primary.pairs()),
                primary, guardrails);
    }

    private static String num(Double d) {
        return d == null ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }
}
