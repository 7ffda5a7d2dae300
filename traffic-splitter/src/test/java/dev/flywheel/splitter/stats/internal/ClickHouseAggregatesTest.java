package dev.flywheel.splitter.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClickHouseAggregatesTest {
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
