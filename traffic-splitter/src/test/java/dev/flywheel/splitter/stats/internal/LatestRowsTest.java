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

    @Test
    void quantilesSampleOneInAPowerOfTwoUnitsKeepingFiftyThousandUnitsAndHalfAMillionLatencies() {
        assertEquals(1, ClickHouseAggregates.sampleModulus(0, 0));
        assertEquals(1, ClickHouseAggregates.sampleModulus(99_999, 999_990));
        assertEquals(2, ClickHouseAggregates.sampleModulus(100_000, 1_000_000));
        assertEquals(1, ClickHouseAggregates.sampleModulus(100_000, 999_999), "too few latencies to halve");
        assertEquals(16, ClickHouseAggregates.sampleModulus(1_002_000, 10_020_000), "the bench: 1 M users, 10 M requests");
        assertEquals(4, ClickHouseAggregates.sampleModulus(50_000, 50_000_000), "heavy units: memory bound");
        for (long rows = 1; rows < 50_000_000; rows = rows * 3 + 1) {
            for (long perUnit : new long[] {1, 10, 1000}) {
                long requests = rows * perUnit;
                long k = ClickHouseAggregates.sampleModulus(rows, requests);
                assertEquals(0, k & (k - 1), "power of two");
                assertTrue(requests / k <= ClickHouseAggregates.QUANTILE_SAMPLE_MAX_LATENCIES, rows + " rows, 1 in " + k);
                assertTrue(k == 1 || requests / k > ClickHouseAggregates.QUANTILE_SAMPLE_MAX_LATENCIES / 2
                        || (rows / k >= ClickHouseAggregates.QUANTILE_SAMPLE_UNITS && requests / k >= ClickHouseAggregates.QUANTILE_SAMPLE_LATENCIES),
                        rows + " rows, " + requests + " requests, 1 in " + k);
            }
        }
    }
}
