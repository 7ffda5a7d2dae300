package dev.flywheel.splitter.ramp;

import dev.flywheel.splitter.experiments.Direction;
import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.MetricSpec;
import dev.flywheel.splitter.experiments.RampStage;
import dev.flywheel.splitter.experiments.Variant;
import dev.flywheel.splitter.stats.Comparison;
import dev.flywheel.splitter.stats.ExperimentResults;
import dev.flywheel.splitter.stats.SampleRatioCheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The decision rule of one tick for one running experiment, in order:
 * <ol>
 *   <li>sample-ratio mismatch → pause (the data cannot be trusted, so nothing else is decided);
 *   <li>a guardrail significantly worse (always-valid sequential test) or past its absolute limit → roll back;
 *   <li>the primary metric significantly worse → roll back;
 *   <li>at the last stage (normally 100 %) with a significant win on the primary → promote the best winner; without
 *       one, hold until the stage has waited {@code last-stage-max-wait}, then roll back, promote or hold as
 *       configured ({@code last-stage-without-win});
 *   <li>the stage's minimum duration and per-arm minimum samples met → advance (the primary is not worse: 3);
 *   <li>otherwise hold, saying what is missing.
 * </ol>
 * Observe-only guardrails are evaluated and their verdicts appear in the reasons, but they never act. Pure: the same
 * inputs always give the same verdict (ticks are idempotent).
 */
public final class RampPolicy {
    /** The outcome of the rule, before it gets an id and a timestamp. */
    public record Verdict(DecisionKind kind, List<String> reasons, Map<String, Object> numbers, String promotedVariantId) {}

    private final RampSettings settings;

    public RampPolicy(RampSettings settings) {
        this.settings = settings;
    }

    /**
     * @param stageStartedMs when the current stage began (the experiment's last transition: start, advance or resume)
     */
    public Verdict decide(Experiment e, ExperimentResults r, long nowMs, long stageStartedMs) {
        Map<String, Object> numbers = numbers(e, r);
        List<String> reasons = new ArrayList<>();
        SampleRatioCheck srm = r.sampleRatio();
        if (srm.mismatch()) {
            reasons.add(String.format("sample ratio mismatch: sequential p = %.2e < %.0e against the intended split (chi-square %.2f, df %d)",
                    srm.pValue(), srm.threshold(), srm.chiSquare(), srm.degreesOfFreedom()));
            return new Verdict(DecisionKind.PAUSE, reasons, numbers, "");
        }
        List<String> rollback = new ArrayList<>();
        for (MetricSpec g : e.guardrails()) {
            for (Variant t : e.treatments()) {
                Comparison c = r.comparison(g.metric(), t.id()).orElse(null);
                if (c == null) {
                    continue;
                }
                List<String> broken = new ArrayList<>();
                if (testable(e, r, t) && worse(c, g.direction())) {
                    broken.add(describe("guardrail", g, c) + " is significantly worse (sequential test)");
                }
                long treatmentUnits = r.arm(t.id()).map(a -> a.units()).orElse(0L);
                if (g.absoluteLimit() != null && treatmentUnits >= settings.minUnitsForLimit() && past(c.treatmentValue(), g)) {
                    broken.add(String.format("guardrail %s of %s is %.4g, past its limit %.4g", g.metric(), t.id(),
                            c.treatmentValue(), g.absoluteLimit()));
                }
                if (g.observeOnly()) {
                    broken.forEach(b -> reasons.add("observe-only, not acting: " + b));
                } else {
                    rollback.addAll(broken);
                }
            }
        }
        MetricSpec primary = e.primaryMetric();
        List<String> wins = new ArrayList<>();
        List<Variant> winners = new ArrayList<>();
        for (Variant t : e.treatments()) {
            Comparison c = r.comparison(primary.metric(), t.id()).orElse(null);
            if (c == null) {
                continue;
            }
            if (!testable(e, r, t)) {
                reasons.add(String.format("%s vs control: too few units for the sequential test yet (needs %d per arm)",
                        t.id(), settings.minUnitsToTest()));
                continue;
            }
            if (worse(c, primary.direction())) {
                rollback.add(describe("primary metric", primary, c) + " is significantly worse (sequential test)");
            } else if (better(c, primary.direction())) {
                wins.add(describe("primary metric", primary, c) + " is significantly better (sequential test)");
                winners.add(t);
            }
        }
        if (!rollback.isEmpty()) {
            rollback.addAll(reasons);
            return new Verdict(DecisionKind.ROLLBACK, rollback, numbers, "");
        }
        boolean lastStage = e.stageIndex() >= e.rampPlan().size() - 1;
        if (lastStage && !wins.isEmpty()) {
            String best = bestByLift(winners, primary, r);
            List<String> out = new ArrayList<>(wins);
            out.add("at the last ramp stage (" + e.rampPlan().getLast().percent() + " %): promoting " + best);
            out.addAll(reasons);
            return new Verdict(DecisionKind.PROMOTE, out, numbers, best);
        }
        if (lastStage) {
            return lastStageWithoutWin(e, r, nowMs - stageStartedMs, reasons, numbers);
        }
        RampStage stage = e.rampPlan().get(e.stageIndex());
        List<String> missing = new ArrayList<>();
        long elapsed = nowMs - stageStartedMs;
        if (elapsed < stage.minDuration().toMillis()) {
            missing.add(String.format("stage %d has run %d s of its minimum %d s", e.stageIndex(), elapsed / 1000,
                    stage.minDuration().toSeconds()));
        }
        for (Variant v : e.variants()) {
            long units = r.units(e.stageIndex(), v.id());
            if (units < stage.minSamples()) {
                missing.add(String.format("%s has %d units in stage %d, needs %d", v.id(), units, e.stageIndex(), stage.minSamples()));
            }
        }
        if (missing.isEmpty()) {
            List<String> out = new ArrayList<>();
            out.add(String.format("stage %d met its minimum duration and samples and %s is not significantly worse: advancing to %.4g %%",
                    e.stageIndex(), primary.metric(), e.rampPlan().get(e.stageIndex() + 1).percent()));
            out.addAll(wins);
            out.addAll(reasons);
            return new Verdict(DecisionKind.ADVANCE, out, numbers, "");
        }
        missing.addAll(wins);
        missing.addAll(reasons);
        return new Verdict(DecisionKind.HOLD, missing, numbers, "");
    }

    /**
     * The last stage without a significant win: hold until it has waited {@code lastStageMaxWait}, then roll back,
     * promote (the treatment with the best point estimate on the primary metric) or keep holding, as configured.
     */
    private Verdict lastStageWithoutWin(Experiment e, ExperimentResults r, long waitedMs, List<String> reasons, Map<String, Object> numbers) {
        MetricSpec primary = e.primaryMetric();
        long maxWaitMs = settings.lastStageMaxWait().toMillis();
        RampSettings.LastStageAction action = settings.lastStageWithoutWin();
        if (waitedMs < maxWaitMs || action == RampSettings.LastStageAction.HOLD) {
            reasons.addFirst(action == RampSettings.LastStageAction.HOLD
                    ? "at the last ramp stage; no significant win on " + primary.metric() + " yet (holding until someone decides)"
                    : String.format("at the last ramp stage; no significant win on %s yet (%d s of %d s waited, then %s)",
                            primary.metric(), waitedMs / 1000, maxWaitMs / 1000, action.name().toLowerCase(Locale.ROOT)));
            return new Verdict(DecisionKind.HOLD, reasons, numbers, "");
        }
        String waited = String.format("at the last ramp stage for %d s (last-stage-max-wait %d s) without a significant win on %s",
                waitedMs / 1000, maxWaitMs / 1000, primary.metric());
        List<String> out = new ArrayList<>();
        if (action == RampSettings.LastStageAction.ROLLBACK) {
            out.add(waited + ": rolling back to control (last-stage-without-win=rollback)");
            out.addAll(reasons);
            return new Verdict(DecisionKind.ROLLBACK, out, numbers, "");
        }
        String best = bestByLift(e.treatments(), primary, r);
        if (best.isEmpty()) {
            best = e.treatments().getFirst().id();
        }
        out.add(waited + ": promoting " + best + ", not significantly worse on the primary metric or any guardrail "
                + "(last-stage-without-win=promote)");
        out.addAll(reasons);
        return new Verdict(DecisionKind.PROMOTE, out, numbers, best);
    }

    /** Whether both arms have enough units for the asymptotic confidence sequence to be trusted (see RampSettings). */
    private boolean testable(Experiment e, ExperimentResults r, Variant treatment) {
        long control = r.arm(e.controlVariantId()).map(a -> a.units()).orElse(0L);
        long treated = r.arm(treatment.id()).map(a -> a.units()).orElse(0L);
        return Math.min(control, treated) >= settings.minUnitsToTest();
    }

    /**
     * The id of the treatment among {@code candidates} with the largest lift on the primary metric (the first on a
     * tie), or "" when none has a comparison with a number.
     */
    private static String bestByLift(List<Variant> candidates, MetricSpec primary, ExperimentResults r) {
        String best = "";
        double bestLift = Double.NEGATIVE_INFINITY;
        for (Variant t : candidates) {
            Comparison c = r.comparison(primary.metric(), t.id()).orElse(null);
            double lift = c == null ? Double.NaN : lift(c, primary);
            if (lift > bestLift) { // false for NaN
                bestLift = lift;
                best = t.id();
            }
        }
        return best;
    }

    /** The treatment's difference from control on {@code m}, signed so that larger is better. */
    private static double lift(Comparison c, MetricSpec m) {
        return m.direction() == Direction.HIGHER_IS_BETTER ? c.absolute().value() : -c.absolute().value();
    }

    private static boolean worse(Comparison c, Direction d) {
        return d == Direction.HIGHER_IS_BETTER ? c.sequentiallyLower() : c.sequentiallyHigher();
    }

    private static boolean better(Comparison c, Direction d) {
        return d == Direction.HIGHER_IS_BETTER ? c.sequentiallyHigher() : c.sequentiallyLower();
    }

    private static boolean past(double value, MetricSpec g) {
        return !Double.isNaN(value) && (g.direction() == Direction.LOWER_IS_BETTER ? value > g.absoluteLimit() : value < g.absoluteLimit());
    }

    private static String describe(String role, MetricSpec m, Comparison c) {
        return String.format("%s %s of %s (%.4g vs control %.4g, difference %.4g, always-valid interval [%.4g, %.4g])", role,
                m.metric(), c.treatmentVariantId(), c.treatmentValue(), c.controlValue(), c.absolute().value(),
                c.absolute().sequential().lower(), c.absolute().sequential().upper());
    }

    /** The numbers behind a decision: SRM, exposures, and every comparison (JSON-friendly maps). */
    private static Map<String, Object> numbers(Experiment e, ExperimentResults r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("stage", e.stageIndex());
        out.put("srm", Map.of("chi_square", r.sampleRatio().chiSquare(), "df", r.sampleRatio().degreesOfFreedom(),
                "p_value", r.sampleRatio().pValue()));
        Map<String, Object> arms = new LinkedHashMap<>();
        r.arms().forEach(a -> arms.put(a.variantId(), Map.of("units", a.units(), "requests", a.requests())));
        out.put("arms", arms);
        List<Map<String, Object>> comparisons = new ArrayList<>();
        for (Comparison c : r.comparisons()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("metric", c.metric());
            m.put("treatment", c.treatmentVariantId());
            m.put("control_value", c.controlValue());
            m.put("treatment_value", c.treatmentValue());
            m.put("difference", c.absolute().value());
            m.put("difference_ci", List.of(c.absolute().ci().lower(), c.absolute().ci().upper()));
            m.put("difference_sequential", List.of(c.absolute().sequential().lower(), c.absolute().sequential().upper()));
            m.put("relative", c.relative().value());
            m.put("relative_ci", List.of(c.relative().ci().lower(), c.relative().ci().upper()));
            m.put("p_value", c.pValue());
            m.put("units", c.units());
            comparisons.add(m);
        }
        out.put("comparisons", comparisons);
        return out;
    }
}
