package dev.flywheel.splitter.stats;

import dev.flywheel.splitter.experiments.Unit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What to analyse for one experiment: its arms, its intended split per ramp stage and the metrics to compare.
 *
 * @param stagePercents treatment share of traffic (0..100, split evenly among treatments) for stage index i; the rest
 *                      goes to control. Used as the expected split of the sample-ratio check.
 * @param sinceMs       lower bound (epoch ms) on feedback event time to read, normally the experiment's creation;
 *                      0 reads all.
 */
public record AnalysisPlan(String experimentId, Unit unit, String controlVariantId, List<String> treatmentVariantIds,
                           List<Double> stagePercents, List<Metric> metrics, long sinceMs) {
    public AnalysisPlan {
        if (experimentId == null || experimentId.isBlank()) {
            throw new IllegalArgumentException("experiment_id is required");
        }
        if (unit == null) {
            throw new IllegalArgumentException("unit is required (user, session or request)");
        }
        if (controlVariantId == null || controlVariantId.isBlank()) {
            throw new IllegalArgumentException("control_variant_id is required");
        }
        if (treatmentVariantIds == null || treatmentVariantIds.isEmpty()) {
            throw new IllegalArgumentException("treatment_variant_ids needs at least one treatment");
        }
        treatmentVariantIds = List.copyOf(treatmentVariantIds);
        if (treatmentVariantIds.contains(controlVariantId) || new LinkedHashSet<>(treatmentVariantIds).size() != treatmentVariantIds.size()) {
            throw new IllegalArgumentException("treatment_variant_ids must be distinct and must not contain the control '" + controlVariantId + "'");
        }
        stagePercents = List.copyOf(stagePercents == null ? List.of() : stagePercents);
        for (int i = 0; i < stagePercents.size(); i++) {
            double p = stagePercents.get(i);
            if (!(p >= 0 && p <= 100)) {
                throw new IllegalArgumentException("stage_percents[" + i + "] must be within 0..100, got " + p);
            }
        }
        metrics = List.copyOf(new LinkedHashSet<>(metrics == null ? List.of() : metrics));
        if (sinceMs < 0) {
            throw new IllegalArgumentException("since_ms must be >= 0, got " + sinceMs);
        }
    }

    /** Every variant, control first. */
    public List<String> variants() {
        List<String> all = new ArrayList<>();
        all.add(controlVariantId);
        all.addAll(treatmentVariantIds);
        return all;
    }

    /** Evaluator ids of the score metrics in the plan. */
    public List<String> evaluatorIds() {
        return metrics.stream().filter(m -> m instanceof Metric.Score).map(m -> ((Metric.Score) m).evaluatorId()).toList();
    }

    /** Intended share (0..1) of a variant at a stage, or NaN when the stage is not in the plan. */
    public double intendedShare(String variantId, int stage) {
        if (stage < 0 || stage >= stagePercents.size()) {
            return Double.NaN;
        }
        double treatment = stagePercents.get(stage) / 100.0;
        return variantId.equals(controlVariantId) ? 1 - treatment : treatment / treatmentVariantIds.size();
    }
}
