package dev.flywheel.splitter.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.AnalysisPlan;
import dev.flywheel.splitter.stats.ArmStageData;
import dev.flywheel.splitter.stats.ExperimentData;
import dev.flywheel.splitter.stats.Metric;
import dev.flywheel.splitter.stats.RatioSummary;
import dev.flywheel.splitter.stats.simulation.ArmProfile;
import dev.flywheel.splitter.stats.simulation.SyntheticTraffic;
import dev.flywheel.splitter.stats.simulation.TrafficSegment;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The rollup read without FINAL ({@link LatestRows}) against the FINAL read it replaces, on unmerged replaced rows. */
@ExtendWith(FlywheelServicesExtension.class)
class LatestRowsClickHouseTest {
    private static final long T0 = 1_750_000_000_000L;

    private static TrafficSegment segment(String exp, int stage, long first, long requests, double duplicates, long seed) {
        return new TrafficSegment(exp, stage, "control", "candidate", stage == 0 ? 0.1 : 0.5, first, requests, 4, T0 + stage * 3_600_000L,
                3_600_000L, ArmProfile.BASELINE, ArmProfile.BASELINE.withScoreMean(0.63), 0, duplicates, 0.5, 0.5, seed);
    }

    @Test
    void readingEachUnitsLatestRowWithoutFinalMatchesFinalWhileReplacedRowsAreUnmerged(TestServices services) throws Exception {
        ClickHouseConnections connections = services.clickhouseConnections();
        List<Metric> metrics = new ArrayList<>(Arrays.asList(Metric.Builtin.values()));
        metrics.add(new Metric.Score("quality"));
        for (Unit unit : List.of(Unit.USER, Unit.REQUEST)) {
            String exp = "exp-parts-" + unit.name().toLowerCase(java.util.Locale.ROOT);
            var plan = new AnalysisPlan(exp, unit, "control", List.of("candidate"), List.of(10.0, 50.0), metrics, 0);
            var traffic = new SyntheticTraffic(connections);
            var fast = new ClickHouseAggregates(connections, Duration.ofMinutes(2), false, new Random(1));
            var reference = new ClickHouseAggregates(connections, Duration.ofMinutes(2), true, new Random(2));
            traffic.write(segment(exp, 0, 0, 8_000, 0.1, 41));
            fast.read(plan); // first build: one part
            try (Connection c = connections.open(); Statement s = c.createStatement()) {
                s.execute("SYSTEM STOP MERGES stats_unit_rollup");
                try {
                    // Replays of a third of the events and new traffic: the next refresh writes newer rows for the
                    // touched units next to their old ones.
                    s.execute("INSERT INTO inference_events (event_id, ts, ts_ms, experiment_id, variant_id, ramp_stage, unit_id, model, adapter_id, "
                            + "prompt, completion, finish_reason, prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost, status, error, attributes) "
                            + "SELECT event_id, ts, ts_ms, experiment_id, variant_id, ramp_stage, unit_id, model, adapter_id, prompt, completion, "
                            + "finish_reason, prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost, status, error, attributes "
                            + "FROM inference_events WHERE experiment_id = '" + exp + "' AND cityHash64(event_id) % 3 = 0");
                    traffic.write(segment(exp, 1, 8_000, 4_000, 0.1, 42));
                    ExperimentData expected = reference.read(plan);
                    try (ResultSet rs = s.executeQuery("SELECT (SELECT count() FROM stats_unit_rollup WHERE experiment_id = '" + exp
                            + "'), (SELECT count() FROM stats_unit_rollup FINAL WHERE experiment_id = '" + exp + "')")) {
                        rs.next();
                        assertTrue(rs.getLong(1) > rs.getLong(2), "replaced rows are still there: " + rs.getLong(1) + " rows for " + rs.getLong(2) + " units");
                    }
                    ExperimentData actual = fast.read(plan);
                    assertSame(expected, actual, unit);
                    assertTheSplitReadsWhatFinalReads(c, connections.config().database(), exp, unit);
                } finally {
                    s.execute("SYSTEM START MERGES stats_unit_rollup");
                }
            }
        }
    }

    /**
     * The comparison above would also pass if the read silently fell back to FINAL (no parts, or a part seen as
     * replaced): so check that the split the fast read used has a delta and that its parts are all still active (merges
     * are stopped, so they were during the read too), and read the split's rows directly against FINAL's.
     */
    private static void assertTheSplitReadsWhatFinalReads(Connection c, String db, String exp, Unit unit) throws Exception {
        LatestRows split = LatestRows.choose(LatestRows.parts(c, db, exp)
                .orElseThrow(() -> new AssertionError("the rollup is a local MergeTree table"))).orElseThrow();
        assertFalse(split.delta().isEmpty(), unit + ": replaced rows are in a delta part: " + split);
        assertTrue(split.stillActive(c, db), unit + ": no part was replaced: " + split);
        String perCell = " GROUP BY variant_id, ramp_stage ORDER BY variant_id, ramp_stage";
        String columns = "variant_id, ramp_stage, unit_id, requests";
        assertEquals(cells(c, "SELECT variant_id, ramp_stage, count(), uniqExact(unit_id), sum(requests) FROM ("
                        + "SELECT " + columns + " FROM " + db + ".stats_unit_rollup FINAL WHERE experiment_id = ?)" + perCell, 1, exp),
                cells(c, "SELECT variant_id, ramp_stage, count(), uniqExact(unit_id), sum(requests) FROM (" + split.from(db, columns) + ")"
                        + perCell, split.parameters(), exp),
                unit + ": rows, units and requests per cell through the split");
    }

    /** Each result row as "variant/stage rows units requests". */
    private static List<String> cells(Connection c, String sql, int parameters, String exp) throws Exception {
        try (var ps = c.prepareStatement(sql)) {
            for (int i = 1; i <= parameters; i++) {
                ps.setString(i, exp);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + "/" + rs.getInt(2) + " " + rs.getLong(3) + " " + rs.getLong(4) + " " + rs.getLong(5));
                }
            }
            return out;
        }
    }

    private static void assertSame(ExperimentData expected, ExperimentData actual, Unit unit) {
        assertEquals(expected.latencyQuantiles(), actual.latencyQuantiles(), unit + " quantiles");
        Function<ArmStageData, String> cell = d -> d.variantId() + "/" + d.stage();
        Map<String, ArmStageData> got = actual.cells().stream().collect(Collectors.toMap(cell, d -> d));
        assertEquals(expected.cells().size(), got.size(), unit + " cells");
        for (ArmStageData e : expected.cells()) {
            ArmStageData a = got.get(cell.apply(e));
            String where = unit + " " + cell.apply(e);
            assertEquals(e.units(), a.units(), where + " units");
            assertEquals(e.requests(), a.requests(), where + " requests");
            assertEquals(e.metrics().keySet(), a.metrics().keySet(), where + " metrics");
            e.metrics().forEach((m, x) -> {
                RatioSummary y = a.metrics().get(m);
                String what = where + " " + m;
                assertEquals(x.units(), y.units(), what);
                // Only the order of the floating-point additions differs.
                assertEquals(x.sumX(), y.sumX(), 1e-9 * Math.abs(x.sumX()), what + " Σx");
                assertEquals(x.sumY(), y.sumY(), 1e-9 * Math.abs(x.sumY()), what + " Σy");
                assertEquals(x.sumXX(), y.sumXX(), 1e-9 * Math.abs(x.sumXX()), what + " Σx²");
                assertEquals(x.sumYY(), y.sumYY(), 1e-9 * Math.abs(x.sumYY()), what + " Σy²");
                assertEquals(x.sumXY(), y.sumXY(), 1e-9 * Math.abs(x.sumXY()), what + " Σxy");
            });
        }
    }
}
