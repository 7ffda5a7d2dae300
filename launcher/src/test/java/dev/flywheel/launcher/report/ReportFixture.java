package dev.flywheel.launcher.report;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A demo report as a seeded run would record it: one ramp 1 → 100 %, a promotion, two reward curves, two gates. */
final class ReportFixture {
    static final long T0 = 1_790_000_000_000L;
    static final double[] STAGES = {1, 5, 10, 25, 50, 100};

    private ReportFixture() {}

    static DemoReport seeded(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<DemoReport.TrafficPoint> traffic = new ArrayList<>();
        List<DemoReport.StageMetric> stages = new ArrayList<>();
        List<DemoReport.DecisionMark> decisions = new ArrayList<>();
        long t = T0 + 60_000;
        for (int s = 0; s < STAGES.length; s++) {
            for (int i = 0; i < 10; i++, t += 1000) {
                double share = Math.max(0, Math.min(100, STAGES[s] + rng.nextGaussian() * 0.5));
                traffic.add(new DemoReport.TrafficPoint(t, "exp-1 candidate", share));
                traffic.add(new DemoReport.TrafficPoint(t, "exp-1 champion", 100 - share));
            }
            if (s < STAGES.length - 1) {
                double diff = 0.06 + rng.nextGaussian() * 0.01;
                double half = 0.2 / Math.sqrt(s + 1);
                stages.add(new DemoReport.StageMetric("exp-1", s, STAGES[s], "score:exact_answer", true, 0.33, 0.33 + diff, diff,
                        diff - half, diff + half));
                stages.add(new DemoReport.StageMetric("exp-1", s, STAGES[s], "error_rate", false, 0, 0, 0, -0.01, 0.01));
                decisions.add(new DemoReport.DecisionMark(t, "exp-1", "advance", "stage " + s + " met its minimum duration & samples <ok>"));
            }
        }
        decisions.add(new DemoReport.DecisionMark(t, "exp-1", "promote", "score:exact_answer significantly better"));
        List<DemoReport.RewardPoint> rewards = new ArrayList<>();
        for (String run : List.of("run-1", "run-2")) {
            for (int step = 1; step <= 40; step++) {
                rewards.add(new DemoReport.RewardPoint(run, step, 0.3 + step * 0.003 + rng.nextGaussian() * 0.02));
            }
        }
        List<DemoReport.GateResult> gates = List.of(
                new DemoReport.GateResult("run-1", "exact_answer", 0.30, 0.37, 0.02, 0.12, true),
                new DemoReport.GateResult("run-2", "exact_answer", 0.37, 0.38, -0.03, 0.05, false));
        return new DemoReport("Flywheel demo", T0, t + 5000, traffic, stages, decisions, rewards, gates,
                List.of("services in one JVM", "seed " + seed));
    }
}
