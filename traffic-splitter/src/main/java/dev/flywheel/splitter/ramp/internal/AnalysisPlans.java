package dev.flywheel.splitter.ramp.internal;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.MetricSpec;
import dev.flywheel.splitter.experiments.RampStage;
import dev.flywheel.splitter.experiments.Variant;
import dev.flywheel.splitter.stats.AnalysisPlan;
import dev.flywheel.splitter.stats.Metric;
import java.util.ArrayList;
import java.util.List;

/** Maps an experiment definition to what the statistics engine analyses. */
public final class AnalysisPlans {
    private AnalysisPlans() {}

    public static AnalysisPlan of(Experiment e) {
        List<Metric> metrics = new ArrayList<>();
        metrics.add(Metric.parse("primary_metric.metric", e.primaryMetric().metric()));
        for (int i = 0; i < e.guardrails().size(); i++) {
            MetricSpec g = e.guardrails().get(i);
            metrics.add(Metric.parse("guardrails[" + i + "].metric", g.metric()));
        }
        return new AnalysisPlan(e.id(), e.unit(), e.controlVariantId(), e.treatments().stream().map(Variant::id).toList(),
                e.rampPlan().stream().map(RampStage::percent).toList(), metrics, Math.max(0, e.createdAt()));
    }
}
