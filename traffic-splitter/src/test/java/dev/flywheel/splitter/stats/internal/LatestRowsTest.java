package dev.flywheel.splitter.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.stats.internal.LatestRows.Part;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestRowsTest {
    @Test
    void theLargestPartIsTheBaseWhenNoVersionSpansMoreRows() {
        LatestRows rows = LatestRows.choose(List.of(new Part("all_1_9_2", 900, 9000, 10, 40), new Part("all_10_10_0", 50, 500, 50, 50),
                new Part("all_11_11_0", 60, 600, 60, 60))).orElseThrow();
        assertEquals(List.of("all_1_9_2"), rows.base());
        assertEquals(List.of("all_10_10_0", "all_11_11_0"), rows.delta());
    }

    @Test
    void singleVersionPartsOfOneRefreshTogetherAreTheBaseWhenTheyHoldMoreRows() {
        // A first build's slices: one version, disjoint units, not merged yet.
        LatestRows rows = LatestRows.choose(List.of(new Part("all_1_6_1", 600, 6000, 7, 7), new Part("all_7_7_0", 100, 1000, 7, 7),
                new Part("all_8_8_0", 10, 100, 9, 9), new Part("all_9_9_0", 650, 6500, 3, 8))).orElseThrow();
        assertEquals(List.of("all_1_6_1", "all_7_7_0"), rows.base());
        assertEquals(List.of("all_8_8_0", "all_9_9_0"), rows.delta());
    }

    @Test
    void anExperimentWithoutRowsHasNothingToRead() {
        assertTrue(LatestRows.choose(List.of()).isEmpty());
    }

    @Test
    void oneBaseAndNoDeltaIsAPlainReadWithOneParameter() {
        LatestRows rows = new LatestRows(List.of("all_1_1_0"), List.of());
        String sql = rows.from("db", "variant_id");
        assertEquals(1, rows.parameters());
        assertEquals(1, sql.chars().filter(ch -> ch == '?').count());
        assertTrue(!sql.contains("FINAL"), sql);
    }

    @Test
    void aDeltaIsReadWithFinalAndItsKeysLeftOutOfTheBase() {
        LatestRows rows = new LatestRows(List.of("all_1_1_0"), List.of("all_2_2_0"));
        String sql = rows.from("db", "variant_id");
        assertEquals(rows.parameters(), sql.chars().filter(ch -> ch == '?').count());
        assertTrue(sql.contains("NOT IN") && sql.contains("FINAL PREWHERE"), sql);
    }

    @Test
    void partNamesAreCheckedBeforeTheyAreWrittenIntoSql() {
        assertThrows(IllegalArgumentException.class, () -> new LatestRows(List.of("all_1_1_0') OR 1 = 1 --"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new LatestRows(List.of(), List.of("all_2_2_0")));
    }
}
