package dev.flywheel.splitter.stats;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Statistical behaviour on in-memory summaries (fast): the sequential test's error rate under continuous
 * monitoring, and stage stratification against a time trend while the split changes.
 */
class SequentialMonitoringTest {
    private static final int EXPERIMENTS = 400;
    private static final int TICKS = 40;
    private static final int UNITS_PER_ARM_PER_TICK = 100;
    private static final double ALPHA = 0.05;

    private final ExperimentAnalyzer analyzer = new ExperimentAnalyzer(StatsConfig.DEFAULT);
    private final Metric metric = new Metric.Score("quality");
    private final AnalysisPlan plan = new AnalysisPlan("aa", dev.flywheel.splitter.experiments.Unit.USER, "control",
            List.of("candidate"), List.of(50.0), List.of(metric), 0);

    /** Running per-arm sums of one simulated experiment. */
    private static final class Arm {
        long n;
        double sum;
        double sumSq;

        void add(double v) {
            n++;
            sum += v;
            sumSq += v * v;
        }

        RatioSummary summary() {
            return RatioSummary.ofMean(n, sum, sumSq);
        }
    }

    private ExperimentData data(Arm control, Arm treatment) {
        return new ExperimentData("aa", List.of(
                new ArmStageData("control", 0, control.n, control.n, Map.of(metric, control.summary())),
                new ArmStageData("candidate", 0, treatment.n, treatment.n, Map.of(metric, treatment.summary()))), Map.of());
    }

    @Test
    void sequentialTestKeepsFalsePositivesAtAlphaUnderEveryTickMonitoringWhileRepeatedFixedTestsDoNot() {
        RandomGenerator random = new SplittableRandom(20250501L);
        int sequentialFalsePositives = 0;
        int naiveFalsePositives = 0;
        for (int e = 0; e < EXPERIMENTS; e++) {
            Arm control = new Arm();
            Arm treatment = new Arm();
            boolean sequentialFired = false;
            boolean naiveFired = false;
            for (int tick = 0; tick < TICKS; tick++) {
                for (int i = 0; i < UNITS_PER_ARM_PER_TICK; i++) {
                    control.add(0.6 + 0.2 * random.nextGaussian());
                    treatment.add(0.6 + 0.2 * random.nextGaussian());
                }
                Comparison c = analyzer.analyze(plan, data(control, treatment), tick).comparisons().getFirst();
                sequentialFired |= c.sequentiallyHigher() || c.sequentiallyLower();
                naiveFired |= c.fixedSignificant(ALPHA);
            }
            sequentialFalsePositives += sequentialFired ? 1 : 0;
            naiveFalsePositives += naiveFired ? 1 : 0;
        }
        double simulationError = 2 * Math.sqrt(ALPHA * (1 - ALPHA) / EXPERIMENTS);
        double sequentialRate = (double) sequentialFalsePositives / EXPERIMENTS;
        double naiveRate = (double) naiveFalsePositives / EXPERIMENTS;
        assertTrue(sequentialRate <= ALPHA + simulationError,
                "sequential false-positive rate " + sequentialRate + " exceeds " + (ALPHA + simulationError));
        assertTrue(naiveRate > ALPHA + simulationError,
                "repeated fixed-horizon testing should exceed alpha when peeking every tick, got " + naiveRate);
    }

    /**
     * No true effect, but the metric rises stage by stage (a time trend) while the treatment share grows from 10 % to
     * 50 %: pooled naively, the treatment looks better because more of its units come from late stages.
     */
    @Test
    void stageStratificationIsNotFooledByATimeTrendWhileTheSplitChanges() {
        RandomGenerator random = new SplittableRandom(42L);
        double[] shares = {0.1, 0.25, 0.5};
        double[] baseline = {0.50, 0.60, 0.70};
        int unitsPerStage = 20_000;
        List<ArmStageData> cells = new ArrayList<>();
        Arm pooledControl = new Arm();
        Arm pooledTreatment = new Arm();
        for (int s = 0; s < shares.length; s++) {
            Arm control = new Arm();
            Arm treatment = new Arm();
            for (int i = 0; i < unitsPerStage; i++) {
                double v = baseline[s] + 0.2 * random.nextGaussian();
                if (random.nextDouble() < shares[s]) {
                    treatment.add(v);
                    pooledTreatment.add(v);
                } else {
                    control.add(v);
                    pooledControl.add(v);
                }
            }
            cells.add(new ArmStageData("control", s, control.n, control.n, Map.of(metric, control.summary())));
            cells.add(new ArmStageData("candidate", s, treatment.n, treatment.n, Map.of(metric, treatment.summary())));
        }
        AnalysisPlan ramped = new AnalysisPlan("trend", dev.flywheel.splitter.experiments.Unit.USER, "control",
                List.of("candidate"), List.of(10.0, 25.0, 50.0), List.of(metric), 0);
        Comparison stratified = analyzer.analyze(ramped, new ExperimentData("trend", cells, Map.of()), 0).comparisons().getFirst();
        Comparison naive = analyzer.analyze(plan, data(pooledControl, pooledTreatment), 0).comparisons().getFirst();

        assertTrue(naive.sequentiallyHigher() && naive.fixedSignificant(ALPHA),
                "naive pooling should report a spurious win, got " + naive);
        assertFalse(stratified.sequentiallyHigher() || stratified.sequentiallyLower(), () -> "stratified: " + stratified);
        assertTrue(stratified.absolute().ci().lower() < 0 && stratified.absolute().ci().upper() > 0, () -> "stratified: " + stratified);
        assertFalse(analyzer.analyze(ramped, new ExperimentData("trend", cells, Map.of()), 0).sampleRatio().mismatch());
    }
}
