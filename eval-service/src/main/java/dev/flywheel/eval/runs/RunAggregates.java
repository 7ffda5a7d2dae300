package dev.flywheel.eval.runs;

import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.runs.internal.RunStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Per-evaluator aggregates of a run's result rows (see {@link EvaluatorSummary} for the definitions). */
final class RunAggregates {
    private RunAggregates() {}

    static List<EvaluatorSummary> summarise(List<CompiledEvaluator> evaluators, List<RunStore.ResultRow> rows, int k, double confidence) {
        List<EvaluatorSummary> out = new ArrayList<>();
        for (CompiledEvaluator ce : evaluators) {
            String id = ce.definition().id();
            int results = 0, valid = 0, errors = 0, skipped = 0, passes = 0, judged = 0;
            double mean = 0, m2 = 0;
            Map<Integer, Boolean> anyPass = new HashMap<>();
            for (RunStore.ResultRow r : rows) {
                if (!r.evaluatorId().equals(id)) {
                    continue;
                }
                results++;
                switch (r.status()) {
                    case "ok" -> {
                        valid++;
                        double d = r.score() - mean;
                        mean += d / valid;
                        m2 += d * (r.score() - mean);
                    }
                    case "skipped" -> skipped++;
                    default -> errors++;
                }
                if (r.passed() != null) {
                    judged++;
                    passes += r.passed() ? 1 : 0;
                    anyPass.merge(r.item(), r.passed(), Boolean::logicalOr);
                }
            }
            Double sd = valid >= 2 ? Math.sqrt(m2 / (valid - 1)) : null;
            Double[] ci = PairedStatistics.meanInterval(mean, sd == null ? 0 : sd, valid, confidence);
            boolean hasThreshold = ce.definition().passThreshold() != null;
            Double passRate = hasThreshold && judged > 0 ? (double) passes / judged : null;
            Double passAtK = hasThreshold && !anyPass.isEmpty()
                    ? anyPass.values().stream().filter(b -> b).count() / (double) anyPass.size() : null;
            out.add(new EvaluatorSummary(id, ce.definition().version(), results, valid, errors, skipped, valid > 0 ? mean : null,
                    sd, ci[0], ci[1], confidence, passRate, passAtK, k));
        }
        return out;
    }
}
