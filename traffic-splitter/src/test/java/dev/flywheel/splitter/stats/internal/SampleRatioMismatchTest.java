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
    void bayesFactorMatchesTheDirichletMultinomialClosedForm() {
        // Reference values from Python's math.lgamma over the same formula (k = 100), not from this code.
        assertEquals(2.6872557730821427, SampleRatioTest.logBayesFactor(new long[] {979, 21}, new double[] {0.99, 0.01}), 1e-9);
        assertEquals(11.15871884545777, SampleRatioTest.logBayesFactor(new long[] {27_000, 2_700}, new double[] {0.9, 0.1}), 1e-9);
        assertEquals(6.753786981843632, SampleRatioTest.logBayesFactor(new long[] {500, 300, 200}, new double[] {0.5, 0.25, 0.25}), 1e-9);
        assertEquals(1218.9902603641258, SampleRatioTest.logBayesFactor(new long[] {2_000, 0}, new double[] {0.5, 0.5}), 1e-6);
    }

    @Test
    void aSmallTreatmentCountAtOnePercentIsNotAMismatch() {
        // 21 of 1,000 where 10 are expected: a fixed-horizon chi-square says p = 4.7e-4; evidence enough to stop a
        // ramp only once it holds at any number of looks, which it does not.
        SampleRatioCheck check = TEST.test(List.of(stage(0, 979, 21, 0.01)));
        assertFalse(check.mismatch(), () -> "not a mismatch at 0.001: " + check);
        assertEquals(Math.exp(-2.6872557730821427), check.pValue(), 1e-9);
        assertEquals(12.22, check.chiSquare(), 0.01);
    }

    @Test
    void losingTenPercentOfTheTreatedUnitsIsAMismatchOnceTheArmHasAFewThousand() {
        SampleRatioCheck check = TEST.test(List.of(stage(0, 27_000, 2_700, 0.10)));
        assertTrue(check.mismatch(), () -> "mismatch expected: " + check);
        assertEquals(Math.exp(-11.15871884545777), check.pValue(), 1e-12);
    }

    @Test
    void oneArmMissingEntirelyIsAMismatchWithoutOverflow() {
        SampleRatioCheck check = TEST.test(List.of(stage(0, 2_000, 0, 0.5), stage(1, 500, 500, 0.5)));
        assertTrue(check.mismatch());
        assertEquals(0.0, check.pValue(), 1e-300, "a factor of e^1219 averaged with a small one is still decisive");
        assertEquals(2, check.degreesOfFreedom());
    }

    @Test
    void stagesAreCombinedByAveragingTheirBayesFactors() {
        SampleRatioCheck two = TEST.test(List.of(stage(0, 9_000, 1_000, 0.10), stage(1, 3_000, 2_700, 0.50)));
        // Python reference: log BF -2.315899988390811 and 5.730745228513115 → p = 1 / mean = 0.0064872395940174295.
        assertEquals(0.0064872395940174295, two.pValue(), 1e-12);
        assertFalse(two.mismatch(), "the 50 % stage alone has a factor of 308, under 1,000 even before averaging");
    }

    @Test
    void noUnitsOrASingleArmTestsNothing() {
        SampleRatioCheck none = TEST.test(List.of(stage(0, 0, 0, 0.1), stage(1, 1_000, 0, 0.0)));
        assertEquals(1.0, none.pValue());
        assertFalse(none.mismatch());
        assertEquals(0, none.degreesOfFreedom());
    }

    @Test
    void checkingACorrectSplitAtEveryTickRarelyAlarms() {
        // 1,000 seeded experiments at a correct 5 % share, checked every 100 units up to 20,000 (200 looks each). Ville's
        // inequality bounds the chance of any alarm per experiment by 0.001, so about one in 1,000 at most; the fixed
        // exact test this replaced alarmed in 1.25 % of such experiments (25 of 2,000 in a Python simulation).
        SplittableRandom rng = new SplittableRandom(20261205L);
        int alarmed = 0;
        for (int e = 0; e < 1_000; e++) {
            long treated = 0;
            for (int look = 1; look <= 200; look++) {
                for (int u = 0; u < 100; u++) {
                    treated += rng.nextDouble() < 0.05 ? 1 : 0;
                }
                if (TEST.test(List.of(stage(0, look * 100L - treated, treated, 0.05))).mismatch()) {
                    alarmed++;
                    break;
                }
            }
        }
        assertTrue(alarmed <= 3, "experiments with a false alarm: " + alarmed + " of 1000 at threshold 0.001");
    }
}
