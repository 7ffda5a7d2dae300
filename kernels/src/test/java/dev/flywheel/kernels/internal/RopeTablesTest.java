package dev.flywheel.kernels.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The rope agreement test computes each (headDim, pos) once per kernels instance, so it never reads a
 * cached table back; these tests do.
 */
class RopeTablesTest {

    @Test
    void cachedTablesEqualFreshOnesForEveryShapeAndPositionOnEveryRead() {
        RopeTables tables = new RopeTables();
        int[] positions = {0, 1, 4095, RopeTables.MAX_POSITIONS - 1, RopeTables.MAX_POSITIONS, RopeTables.MAX_POSITIONS + 7};
        // 9 head sizes x 2 thetas = 18 shapes, more than MAX_SHAPES: the later ones take the uncached path.
        for (int round = 0; round < 2; round++) { // round 0 fills the cache, round 1 reads it back
            for (int headDim = 2; headDim <= 2 * (RopeTables.MAX_SHAPES + 1); headDim += 2) {
                for (float theta : new float[]{10000f, 500000f}) {
                    for (int pos : positions) {
                        RopeTable expected = new RopeTable(headDim, pos, theta);
                        RopeTable actual = tables.at(headDim, pos, theta);
                        String what = "round " + round + " headDim " + headDim + " theta " + theta + " pos " + pos;
                        assertArrayEquals(expected.cos(), actual.cos(), what + " cos");
                        assertArrayEquals(expected.sin(), actual.sin(), what + " sin");
                    }
                }
            }
        }
    }

    @Test
    void aCachedPositionIsComputedOnce() {
        RopeTables tables = new RopeTables();
        assertSame(tables.at(64, 5, 10000f), tables.at(64, 5, 10000f));
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnythingIsCached() {
        RopeTables tables = new RopeTables();
        assertRejectedNaming("headDim", () -> tables.at(3, 0, 10000f));
        assertRejectedNaming("pos", () -> tables.at(4, -1, 10000f));
        assertRejectedNaming("theta", () -> tables.at(4, 0, Float.NaN));
        assertRejectedNaming("headDim", () -> tables.at(3, 1, 10000f)); // still rejected on a second look
    }

    /** Throws IllegalArgumentException whose message names the argument that was wrong. */
    private static void assertRejectedNaming(String field, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(field + " "), "message should name " + field + ": " + e.getMessage());
    }
}
