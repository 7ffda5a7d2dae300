package dev.flywheel.engine.training.grpo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdvantagesTest {
    @Test
    void advantagesAreNormalisedWithinTheGroupToZeroMeanAndUnitSpread() {
        double[] adv = Advantages.normalise(new double[] {1, 0, 0, 1, 1, 0, 0, 0});
        double mean = 0, sq = 0;
        for (double a : adv) {
            mean += a / adv.length;
            sq += a * a / adv.length;
        }
        assertEquals(0, mean, 1e-12);
        assertEquals(1, Math.sqrt(sq), 1e-3);
        assertEquals(adv[0], adv[3], 0);
        assertEquals(adv[1], adv[2], 0);
        assertEquals(true, adv[0] > 0 && adv[1] < 0);
    }

    @Test
    void scaleAndShiftOfRewardsDoNotChangeAdvantages() {
        double[] a = Advantages.normalise(new double[] {0.2, 0.9, 0.4, 0.5});
        double[] b = Advantages.normalise(new double[] {10.2, 10.9, 10.4, 10.5});
        assertArrayEquals(a, b, 1e-9);
    }

    @Test
    void aGroupWithEqualRewardsCarriesNoSignal() {
        assertArrayEquals(new double[4], Advantages.normalise(new double[] {1, 1, 1, 1}), 0);
    }

    @Test
    void invalidRewardsTakeTheGroupMeanAndAnAllInvalidGroupIsDropped() {
        double[] adv = Advantages.normalise(new double[] {1, Double.NaN, 0});
        assertEquals(0, adv[1], 1e-12);
        assertEquals(-adv[0], adv[2], 1e-12);
        assertNull(Advantages.normalise(new double[] {Double.NaN, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> Advantages.normalise(new double[] {1, Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> Advantages.normalise(new double[0]));
    }
}
