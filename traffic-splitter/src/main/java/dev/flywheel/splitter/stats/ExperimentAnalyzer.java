package dev.flywheel.splitter.stats;

import dev.flywheel.splitter.stats.internal.ConfidenceSequence;
import dev.flywheel.splitter.stats.internal.SampleRatioTest;
import dev.flywheel.splitter.stats.internal.StratifiedDifference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns the aggregates of one experiment into results: per-arm values, stage-stratified comparisons of every
 * treatment with control on every metric of the plan, and the sample-ratio check. Pure and framework-free.
 */
public final class ExperimentAnalyzer {
    private final StatsConfig config;
    private final StratifiedDifference difference;
    private final SampleRatioTest sampleRatio;

    public ExperimentAnalyzer(StatsConfig config) {
        this.config = config;
        this.difference = new StratifiedDifference(config.alpha(), new ConfidenceSequence(config.alpha(), config.sequentialTuning()));
        this.sampleRatio = new SampleRatioTest(config.srmThreshold());
    }

    public StatsConfig config() {
        return config;
    }

    public ExperimentResults analyze(AnalysisPlan plan, ExperimentData data, long nowMs) {
        // variant → stage → cell
        Map<String, Map<Integer, ArmStageData>> byVariant = new HashMap<>();
        TreeSet<Integer> stages = new TreeSet<>();
        for (ArmStageData c : data.cells()) {
            byVariant.computeIfAbsent(c.variantId(), k -> new TreeMap<>()).put(c.stage(), c);
            stages.add(c.stage());
        }
        List<ArmResult> arms = new ArrayList<>();
        for (String v : plan.variants()) {
            arms.add(arm(plan, v, byVariant.getOrDefault(v, Map.of()), data.latencyQuantiles().getOrDefault(v, Map.of())));
        }
        List<Comparison> comparisons = new ArrayList<>();
        Map<Integer, ArmStageData> control = byVariant.getOrDefault(plan.controlVariantId(), Map.of());
        for (String t : plan.treatmentVariantIds()) {
            Map<Integer, ArmStageData> treatment = byVariant.getOrDefault(t, Map.of());
            for (Metric m : plan.metrics()) {
                comparisons.add(compare(m, t, stages, control, treatment, arms));
            }
        }
        List<SampleRatioTest.StageCounts> counts = new ArrayList<>();
        for (int s : stages) {
            Map<String, Long> observed = new LinkedHashMap<>();
            Map<String, Double> share = new LinkedHashMap<>();
            for (String v : plan.variants()) {
                ArmStageData c = byVariant.getOrDefault(v, Map.of()).get(s);
                observed.put(v, c == null ? 0L : c.units());
                double intended = plan.intendedShare(v, s);
                if (!Double.isNaN(intended)) {
                    share.put(v, intended);
                }
            }
            counts.add(new SampleRatioTest.StageCounts(s, observed, share));
        }
        List<ExperimentResults.StageExposure> exposures = data.cells().stream()
                .map(c -> new ExperimentResults.StageExposure(c.stage(), c.variantId(), c.units(), c.requests()))
                .sorted(java.util.Comparator.comparingInt(ExperimentResults.StageExposure::stage)
                        .thenComparing(ExperimentResults.StageExposure::variantId))
                .toList();
        return new ExperimentResults(plan.experimentId(), nowMs, config.alpha(), arms, comparisons, sampleRatio.test(counts), exposures);
    }

    private Comparison compare(Metric m, String treatmentId, TreeSet<Integer> stages, Map<Integer, ArmStageData> control,
                               Map<Integer, ArmStageData> treatment, List<ArmResult> arms) {
        List<StratifiedDifference.Stratum> strata = new ArrayList<>();
        for (int s : stages) {
            ArmStageData c = control.get(s);
            ArmStageData t = treatment.get(s);
            if (c != null && t != null) {
                strata.add(new StratifiedDifference.Stratum(c.metric(m), t.metric(m)));
            }
        }
        StratifiedDifference.Result r = difference.compare(strata);
        return new Comparison(m.id(), treatmentId, displayValue(arms.getFirst(), m), displayValue(find(arms, treatmentId), m),
                r.absolute(), r.relative(), r.pValue(), r.units(), r.stagesUsed());
    }

    private static ArmResult find(List<ArmResult> arms, String id) {
        return arms.stream().filter(a -> a.variantId().equals(id)).findFirst().orElseThrow();
    }

    private static double displayValue(ArmResult arm, Metric m) {
        if (m instanceof Metric.Builtin b && !Double.isNaN(b.quantile())) {
            return arm.latencyMs().getOrDefault(m.id(), Double.NaN);
        }
        return arm.values().getOrDefault(m.id(), Double.NaN);
    }

    private static ArmResult arm(AnalysisPlan plan, String variantId, Map<Integer, ArmStageData> cells, Map<Double, Double> quantiles) {
        long units = 0;
        long requests = 0;
        Map<Metric, RatioSummary> pooled = new HashMap<>();
        for (ArmStageData c : cells.values()) {
            units += c.units();
            requests += c.requests();
            for (var e : c.metrics().entrySet()) {
                pooled.merge(e.getKey(), e.getValue(), RatioSummary::plus);
            }
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Metric m : plan.metrics()) {
            values.put(m.id(), pooled.getOrDefault(m, RatioSummary.EMPTY).ratio());
        }
        Map<String, Double> latency = new LinkedHashMap<>();
        for (Metric.Builtin b : List.of(Metric.Builtin.LATENCY_P50, Metric.Builtin.LATENCY_P95, Metric.Builtin.LATENCY_P99)) {
            latency.put(b.id(), quantiles.getOrDefault(b.quantile(), Double.NaN));
        }
        return new ArmResult(variantId, units, requests, values, latency);
    }
}
