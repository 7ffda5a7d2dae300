package dev.flywheel.splitter.ramp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.experiments.Direction;
import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentFixtures;
import dev.flywheel.splitter.experiments.ExperimentStatus;
import dev.flywheel.splitter.experiments.MetricSpec;
import dev.flywheel.splitter.experiments.RampStage;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.ArmResult;
import dev.flywheel.splitter.stats.Comparison;
import dev.flywheel.splitter.stats.Estimate;
import dev.flywheel.splitter.stats.ExperimentResults;
import dev.flywheel.splitter.stats.Interval;
import dev.flywheel.splitter.stats.SampleRatioCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy on hand-made results, without ClickHouse. */
class RampPolicyTest {
    private final RampPolicy policy = new RampPolicy(RampSettings.DEFAULT);

    private static Experiment runningAtFirstStage() {
        return new Experiment("exp", "d", "team", Unit.USER,
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("treatment", "http://127.0.0.1:9")),
                "control", "default", 0.0, RampStage.defaultPlan(Duration.ofMinutes(10), 100),
                new MetricSpec("score:exact_answer", Direction.HIGHER_IS_BETTER, null, false), List.of(),
                ExperimentStatus.RUNNING, 0, "salt", 3, 1L, 1L);
    }

    /** Treatment 0.0 vs control 0.3 with a (spuriously) tight always-valid interval that excludes 0. */
    private static ExperimentResults results(long controlUnits, long treatmentUnits) {
        Interval sequential = new Interval(-0.383, -0.213);
        Comparison c = new Comparison("score:exact_answer", "treatment", 0.298, 0.0,
                new Estimate(-0.298, 0.04, sequential, sequential), Estimate.UNKNOWN, 1e-9, controlUnits + treatmentUnits, 1);
        return new ExperimentResults("exp", 1L, 0.05,
                List.of(new ArmResult("control", controlUnits, controlUnits, Map.of(), Map.of()),
                        new ArmResult("treatment", treatmentUnits, treatmentUnits, Map.of(), Map.of())),
                List.of(c), new SampleRatioCheck(0.1, 1, 0.75, 0.001, false, List.of()), List.of());
    }

    @Test
    void aHandfulOfTreatedUnitsNeverRollsBackOnTheSequentialTest() {
        var verdict = policy.decide(runningAtFirstStage(), results(2_000, 5), 60_000, 0);
        assertEquals(DecisionKind.HOLD, verdict.kind(), verdict.reasons().toString());
        assertTrue(verdict.reasons().stream().anyMatch(r -> r.contains("too few units for the sequential test")), verdict.reasons().toString());
    }

    @Test
    void theSameEvidenceWithEnoughUnitsRollsBack() {
        var verdict = policy.decide(runningAtFirstStage(), results(2_000, 150), 60_000, 0);
        assertEquals(DecisionKind.ROLLBACK, verdict.kind(), verdict.reasons().toString());
    }

    private static Experiment runningAtLastStage() {
        List<RampStage> plan = RampStage.defaultPlan(Duration.ofMinutes(10), 100);
        return new Experiment("exp", "d", "team", Unit.USER,
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("treatment", "http://127.0.0.1:9")),
                "control", "default", 0.0, plan,
                new MetricSpec("score:exact_answer", Direction.HIGHER_IS_BETTER, null, false), List.of(),
                ExperimentStatus.RUNNING, plan.size() - 1, "salt", 3, 1L, 1L);
    }

    /** Treatment 0.315 vs control 0.300: a small lift whose always-valid interval still spans 0. */
    private static ExperimentResults inconclusive() {
        Interval sequential = new Interval(-0.05, 0.08);
        Comparison c = new Comparison("score:exact_answer", "treatment", 0.300, 0.315,
                new Estimate(0.015, 0.03, sequential, sequential), Estimate.UNKNOWN, 0.4, 4_000, 1);
        return new ExperimentResults("exp", 1L, 0.05,
                List.of(new ArmResult("control", 2_000, 2_000, Map.of(), Map.of()),
                        new ArmResult("treatment", 2_000, 2_000, Map.of(), Map.of())),
                List.of(c), new SampleRatioCheck(0.1, 1, 0.75, 0.001, false, List.of()), List.of());
    }

    private static final long HOUR_MS = 3_600_000;

    @Test
    void theLastStageWithoutAWinHoldsUntilItsMaximumWaitThenRollsBack() {
        long started = 1_000_000;
        var early = policy.decide(runningAtLastStage(), inconclusive(), started + 23 * HOUR_MS, started);
        assertEquals(DecisionKind.HOLD, early.kind(), early.reasons().toString());
        assertTrue(early.reasons().getFirst().contains("then rollback"), early.reasons().toString());

        var late = policy.decide(runningAtLastStage(), inconclusive(), started + 24 * HOUR_MS, started);
        assertEquals(DecisionKind.ROLLBACK, late.kind(), late.reasons().toString());
        assertTrue(late.reasons().getFirst().contains("without a significant win on score:exact_answer"), late.reasons().toString());
    }

    @Test
    void aRolloutConfiguredToPromoteShipsTheTreatmentThatDidNoHarm() {
        var promoting = new RampPolicy(RampSettings.DEFAULT.withLastStage(Duration.ofHours(2), RampSettings.LastStageAction.PROMOTE));
        var verdict = promoting.decide(runningAtLastStage(), inconclusive(), 3 * HOUR_MS, 0);
        assertEquals(DecisionKind.PROMOTE, verdict.kind(), verdict.reasons().toString());
        assertEquals("treatment", verdict.promotedVariantId());
    }

    /** Control and treatments "a" and "b" at the last stage; b's lift is the larger, and b is listed second. */
    private static Experiment twoTreatmentsAtLastStage() {
        List<RampStage> plan = RampStage.defaultPlan(Duration.ofMinutes(10), 100);
        return new Experiment("exp", "d", "team", Unit.USER,
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("a", "http://127.0.0.1:9"),
                        ExperimentFixtures.variant("b", "http://127.0.0.1:9")),
                "control", "default", 0.0, plan,
                new MetricSpec("score:exact_answer", Direction.HIGHER_IS_BETTER, null, false), List.of(),
                ExperimentStatus.RUNNING, plan.size() - 1, "salt", 3, 1L, 1L);
    }

    /** a: +liftA, b: +liftB over control 0.300, each with the always-valid interval given. */
    private static ExperimentResults twoTreatments(double liftA, double liftB, Interval sequential) {
        Comparison a = new Comparison("score:exact_answer", "a", 0.300, 0.300 + liftA,
                new Estimate(liftA, 0.01, sequential, sequential), Estimate.UNKNOWN, 0.01, 4_000, 1);
        Comparison b = new Comparison("score:exact_answer", "b", 0.300, 0.300 + liftB,
                new Estimate(liftB, 0.01, sequential, sequential), Estimate.UNKNOWN, 0.01, 4_000, 1);
        return new ExperimentResults("exp", 1L, 0.05,
                List.of(new ArmResult("control", 2_000, 2_000, Map.of(), Map.of()), new ArmResult("a", 2_000, 2_000, Map.of(), Map.of()),
                        new ArmResult("b", 2_000, 2_000, Map.of(), Map.of())),
                List.of(a, b), new SampleRatioCheck(0.1, 1, 0.75, 0.001, false, List.of()), List.of());
    }

    @Test
    void theLastStagePromotesTheTreatmentWithTheLargestLift() {
        var wins = policy.decide(twoTreatmentsAtLastStage(), twoTreatments(0.02, 0.05, new Interval(0.01, 0.09)), HOUR_MS, 0);
        assertEquals(DecisionKind.PROMOTE, wins.kind(), wins.reasons().toString());
        assertEquals("b", wins.promotedVariantId(), "of two significant winners, the larger lift");

        var promoting = new RampPolicy(RampSettings.DEFAULT.withLastStage(Duration.ofHours(2), RampSettings.LastStageAction.PROMOTE));
        var noWin = promoting.decide(twoTreatmentsAtLastStage(), twoTreatments(0.01, 0.03, new Interval(-0.05, 0.08)), 3 * HOUR_MS, 0);
        assertEquals(DecisionKind.PROMOTE, noWin.kind(), noWin.reasons().toString());
        assertEquals("b", noWin.promotedVariantId(), "without a win, the best point estimate");
    }

    @Test
    void holdKeepsTheLastStageWaitingForAPerson() {
        var holding = new RampPolicy(RampSettings.DEFAULT.withLastStage(Duration.ZERO, RampSettings.LastStageAction.HOLD));
        var verdict = holding.decide(runningAtLastStage(), inconclusive(), 30 * 24 * HOUR_MS, 0);
        assertEquals(DecisionKind.HOLD, verdict.kind(), verdict.reasons().toString());
    }

    @Test
    void aRegressionAtTheLastStageStillRollsBackAtOnce() {
        var verdict = policy.decide(runningAtLastStage(), results(2_000, 150), 60_000, 0);
        assertEquals(DecisionKind.ROLLBACK, verdict.kind(), verdict.reasons().toString());
        assertTrue(verdict.reasons().getFirst().contains("significantly worse"), verdict.reasons().toString());
    }

    @Test
    void anUnknownLastStageActionFailsNamingTheProperty() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RampSettings.LastStageAction.parse("ship-it"));
        assertTrue(e.getMessage().contains("flywheel.splitter.ramp.last-stage-without-win"), e.getMessage());
        assertEquals(RampSettings.LastStageAction.PROMOTE, RampSettings.LastStageAction.parse(" Promote "));
    }
}
