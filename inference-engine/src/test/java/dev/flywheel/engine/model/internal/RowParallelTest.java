package dev.flywheel.engine.model.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RowParallelTest {

    @ParameterizedTest(name = "{0} parts per thread")
    @ValueSource(ints = {1, 4})
    void everyRowIsCoveredExactlyOnceWithAlignedBoundaries(int partsPerThread) {
        try (RowParallel rows = new RowParallel(3, partsPerThread)) {
            assertEquals(3 * partsPerThread, rows.maxParts());
            for (int n : new int[] {1, 15, 16, 17, 48, 49, 1001}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                rows.split(n, 16, (from, to, part) -> {
                    assertTrue(from % 16 == 0, "part " + part + " starts at " + from);
                    for (int r = from; r < to; r++) {
                        seen.incrementAndGet(r);
                    }
                });
                for (int r = 0; r < n; r++) {
                    assertEquals(1, seen.get(r), "n " + n + " row " + r);
                }
                int parts = rows.parts(n, 16);
                assertEquals(Math.min(rows.maxParts(), (n + 15) / 16), parts, "n " + n);
                assertEquals(n, RowParallel.start(parts, parts, n, 16));
                for (int p = 0; p < parts; p++) {
                    assertTrue(RowParallel.start(p, parts, n, 16) < RowParallel.start(p + 1, parts, n, 16), "no empty part");
                }
            }
        }
    }

    @Test
    void oneThreadRunsEverythingOnTheCaller() {
        try (RowParallel rows = new RowParallel(1)) {
            Thread caller = Thread.currentThread();
            rows.split(1000, 1, (from, to, part) -> {
                assertEquals(caller, Thread.currentThread());
                assertEquals(0, from);
                assertEquals(1000, to);
            });
        }
    }

    @Test
    void aFailingWorkerPartIsRethrownAfterEveryPartFinished() {
        try (RowParallel rows = new RowParallel(2, 2)) {
            AtomicIntegerArray done = new AtomicIntegerArray(4);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> rows.split(64, 16, (from, to, part) -> {
                done.set(part, 1);
                if (part == 1) {
                    throw new IllegalStateException("part 1 failed");
                }
            }));
            assertEquals("part 1 failed", e.getMessage());
            for (int p = 0; p < 4; p++) {
                assertEquals(1, done.get(p), "part " + p + " ran");
            }
        }
    }

    @Test
    void zeroThreadsOrPartsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RowParallel(0));
        assertTrue(e.getMessage().contains("threads must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RowParallel(2, 0));
        assertTrue(e.getMessage().contains("partsPerThread must be >= 1"), e.getMessage());
    }
}
