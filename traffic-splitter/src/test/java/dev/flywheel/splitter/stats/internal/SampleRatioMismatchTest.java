package dev.flywheel.splitter.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.stats.SampleRatioCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SampleRatioMismatchTest {
    private static final SampleRatioTest TEST = new SampleRatioTest(0.001);

    private static SampleRatioTest.StageCounts stage(int stage, long control, long treatment, double treatmentShare) {
        Map<String, Long> observed = new LinkedHashMap<>();
        observed.put("control", control);
        observed.put("candidate", treatment);
        Map<String, Double> share = new LinkedHashMap<>();
        share.put("control", 1 - treatmentShare);
        share.put("candidate", treatmentShare);
        return new SampleRatioTest.StageCounts(stage, observed, share);
    }

    @Test
    void aSmallTreatmentCountAtOnePercentIsJudgedExactlyNotByChiSquare() {
        // 21 of 1,000 where 10 are expected: chi-square p = 4.7e-4 would halt the ramp; exact binomial p = 3.0e-3.
        SampleRatioCheck check = TEST.test(List.of(stage(0, 979, 21, 0.01)));
        assertFalse(check.mismatch(), () -> "not a mismatch at alpha 0.001: " + check);
        assertEquals(0.00299, check.pValue(), 0.0001);
        assertEquals(12.22, check.chiSquare(), 0.01);
    }

    @Test
    void exactTwoSidedPMatchesTheBinomialTails() {
        // P(X >= 21 | n = 1000, p = 0.01) = 0.0014965, doubled.
        assertEquals(0.0029930, SampleRatioTest.exactTwoArm(1000, 21, 0.01), 1e-6);
        assertEquals(1.0, SampleRatioTest.exactTwoArm(1000, 10, 0.01), 1e-12, "the expected count is no evidence at all");
        assertTrue(SampleRatioTest.exactTwoArm(1000, 0, 0.01) < 1e-4, "no treated unit where 10 were expected");
    }

    @Test
    void tenPercentOfOneArmMissingIsAMismatchEvenAmongBalancedStages() {
        // Stage 0 balanced at 10 %, stage 1 at 50 % with a tenth of the treated units dropped.
        SampleRatioCheck check = TEST.test(List.of(stage(0, 9_000, 1_000, 0.10), stage(1, 3_000, 2_700, 0.50)));
        assertTrue(check.mismatch(), () -> "mismatch expected: " + check);
        assertEquals(2, check.degreesOfFreedom());
    }

    @Test
    void stagesAreCombinedByBonferroni() {
        SampleRatioCheck one = TEST.test(List.of(stage(1, 3_000, 2_850, 0.50)));
        SampleRatioCheck two = TEST.test(List.of(stage(0, 9_000, 1_000, 0.10), stage(1, 3_000, 2_850, 0.50)));
        assertEquals(Math.min(1.0, 2 * one.pValue()), two.pValue(), 1e-12);
    }

    @Test
    void correctSplitsRarelyLookMismatchedAcrossManySimulatedStages() {
        // 2,000 seeded two-stage experiments with a correct 1 % / 5 % split: the false-alarm rate stays at alpha.
        SplittableRandom rng = new SplittableRandom(20261205L);
        int alarms = 0;
        for (int i = 0; i < 2_000; i++) {
            SampleRatioCheck check = TEST.test(List.of(draw(rng, 0, 1_500, 0.01), draw(rng, 1, 1_500, 0.05)));
            alarms += check.mismatch() ? 1 : 0;
        }
        assertTrue(alarms <= 8, "false alarms " + alarms + " of 2000 at alpha 0.001");
    }

    private static SampleRatioTest.StageCounts draw(SplittableRandom rng, int stage, int units, double share) {
        long treated = 0;
        for (int u = 0; u < units; u++) {
            treated += rng.nextDouble() < share ? 1 : 0;
        }
        return stage(stage, units - treated, treated, share);
    }
}
