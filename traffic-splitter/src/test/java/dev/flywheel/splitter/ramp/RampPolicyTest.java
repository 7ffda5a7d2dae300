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
}
