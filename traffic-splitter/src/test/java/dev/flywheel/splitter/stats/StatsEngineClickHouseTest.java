package dev.flywheel.splitter.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.simulation.ArmProfile;
import dev.flywheel.splitter.stats.simulation.SyntheticTraffic;
import dev.flywheel.splitter.stats.simulation.TrafficSegment;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FlywheelServicesExtension.class)
class StatsEngineClickHouseTest {
    private static final long T0 = 1_750_000_000_000L;
    private static final List<Metric> METRICS = List.of(Metric.Builtin.ERROR_RATE, Metric.Builtin.LATENCY_P95,
            Metric.Builtin.THUMBS_UP_RATE, Metric.Builtin.CONVERSION_RATE, Metric.Builtin.TOKENS_PER_REQUEST,
            Metric.Builtin.COST_PER_REQUEST, Metric.Builtin.FALLBACK_RATE, Metric.Builtin.MEAN_RATING, new Metric.Score("quality"));

    private static StatsEngine engine(TestServices services) {
        return new StatsEngine(services.clickhouseConnections(), StatsConfig.DEFAULT, Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC));
    }

    private static TrafficSegment segment(String exp, int stage, double share, long first, long requests, ArmProfile treatment,
                                          double drop, double duplicates, long seed) {
        return new TrafficSegment(exp, stage, "control", "candidate", share, first, requests, 4, T0 + stage * 3_600_000L,
                3_600_000L, ArmProfile.BASELINE, treatment, drop, duplicates, 1.0, 1.0, seed);
    }

    private static AnalysisPlan plan(String exp, Unit unit) {
        return new AnalysisPlan(exp, unit, "control", List.of("candidate"), List.of(10.0, 50.0), METRICS, 0);
    }

    @Test
    void replayedEventsDoNotChangeExposuresOrMetrics(TestServices services) throws Exception {
        var traffic = new SyntheticTraffic(services.clickhouseConnections());
        traffic.write(segment("exp-dup", 0, 0.1, 0, 40_000, ArmProfile.BASELINE, 0, 0.3, 7));
        traffic.write(segment("exp-dup", 1, 0.5, 40_000, 40_000, ArmProfile.BASELINE, 0, 0.3, 8));
        long distinct;
        long raw;
        try (Connection c = services.clickhouseConnections().open();
             PreparedStatement ps = c.prepareStatement("SELECT uniqExact(event_id), count() FROM inference_events WHERE experiment_id = ?")) {
            ps.setString(1, "exp-dup");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                distinct = rs.getLong(1);
                raw = rs.getLong(2);
            }
        }
        assertTrue(raw > distinct, "the simulation wrote replays (some may already be merged away): " + raw + " rows for " + distinct + " events");
        ExperimentResults r = engine(services).compute(plan("exp-dup", Unit.USER));
        long requests = r.arms().stream().mapToLong(ArmResult::requests).sum();
        assertEquals(distinct, requests);
        assertEquals(80_000 / 4, r.arms().stream().mapToLong(ArmResult::units).sum());
        ArmResult control = r.arm("control").orElseThrow();
        assertEquals(0.02, control.values().get("error_rate"), 0.004);
        assertEquals(0.7, control.values().get("feedback:thumbs_up_rate"), 0.02);
        assertEquals(0.6, control.values().get("score:quality"), 0.01);
        assertEquals(400 * 1.64, control.latencyMs().get("latency_p95"), 40);
        assertFalse(r.sampleRatio().mismatch(), () -> "no SRM expected: " + r.sampleRatio());
    }

    @Test
    void droppingTenPercentOfOneArmsEventsIsASampleRatioMismatch(TestServices services) {
        var traffic = new SyntheticTraffic(services.clickhouseConnections());
        traffic.write(segment("exp-srm", 0, 0.1, 0, 40_000, ArmProfile.BASELINE, 0, 0, 11));
        traffic.write(segment("exp-srm", 1, 0.5, 40_000, 60_000, ArmProfile.BASELINE, 0.1, 0, 12));
        SampleRatioCheck srm = engine(services).compute(plan("exp-srm", Unit.USER)).sampleRatio();
        assertTrue(srm.mismatch(), () -> "SRM expected: " + srm);
        assertTrue(srm.pValue() < 0.001);
    }

    @Test
    void doubledLatencyAndErrorRateAreSignificantlyWorsePerRequestUnits(TestServices services) {
        var traffic = new SyntheticTraffic(services.clickhouseConnections());
        ArmProfile broken = ArmProfile.BASELINE.withLatencyMedianMs(800).withErrorRate(0.04);
        traffic.write(segment("exp-bad", 0, 0.1, 0, 40_000, broken, 0, 0, 21));
        ExperimentResults r = engine(services).compute(plan("exp-bad", Unit.REQUEST));
        Comparison latency = r.comparison("latency_p95", "candidate").orElseThrow();
        Comparison errors = r.comparison("error_rate", "candidate").orElseThrow();
        assertTrue(latency.sequentiallyHigher(), () -> "latency: " + latency);
        assertTrue(errors.sequentiallyHigher(), () -> "errors: " + errors);
        assertEquals(2 * r.arm("control").orElseThrow().latencyMs().get("latency_p95"),
                r.arm("candidate").orElseThrow().latencyMs().get("latency_p95"), 150);
    }

    @Test
    void replaysArrivingAfterAComputationChangeNoMetricAndNewTrafficIsCounted(TestServices services) throws Exception {
        var traffic = new SyntheticTraffic(services.clickhouseConnections());
        traffic.write(segment("exp-inc", 0, 0.1, 0, 20_000, ArmProfile.BASELINE, 0, 0, 31));
        StatsEngine engine = engine(services);
        ExperimentResults before = engine.compute(plan("exp-inc", Unit.USER));
        // Replays as ingest would write them (fresh inserted_at), of a third of every event table's rows.
        try (Connection c = services.clickhouseConnections().open(); var s = c.createStatement()) {
            s.execute("INSERT INTO inference_events (event_id, ts, ts_ms, experiment_id, variant_id, ramp_stage, unit_id, model, adapter_id, "
                    + "prompt, completion, finish_reason, prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost, status, error, attributes) "
                    + "SELECT event_id, ts, ts_ms, experiment_id, variant_id, ramp_stage, unit_id, model, adapter_id, prompt, completion, "
                    + "finish_reason, prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost, status, error, attributes "
                    + "FROM inference_events WHERE experiment_id = 'exp-inc' AND cityHash64(event_id) % 3 = 0");
            s.execute("INSERT INTO feedback_events (event_id, ts, ts_ms, request_id, unit_id, kind, value, comment, attributes) "
                    + "SELECT event_id, ts, ts_ms, request_id, unit_id, kind, value, comment, attributes FROM feedback_events "
                    + "WHERE request_id LIKE 'exp-inc-%' AND cityHash64(event_id) % 3 = 0");
            s.execute("INSERT INTO score_events (event_id, ts, ts_ms, request_id, experiment_id, variant_id, evaluator_id, evaluator_version, "
                    + "score, passed, status, detail, latency_ms) SELECT event_id, ts, ts_ms, request_id, experiment_id, variant_id, evaluator_id, "
                    + "evaluator_version, score, passed, status, detail, latency_ms FROM score_events "
                    + "WHERE experiment_id = 'exp-inc' AND cityHash64(event_id) % 3 = 0");
        }
        ExperimentResults replayed = engine.compute(plan("exp-inc", Unit.USER));
        for (ArmResult arm : before.arms()) {
            ArmResult again = replayed.arm(arm.variantId()).orElseThrow();
            assertEquals(arm.requests(), again.requests(), arm.variantId() + " requests");
            assertEquals(arm.units(), again.units(), arm.variantId() + " units");
            arm.values().forEach((metric, value) -> assertEquals(value, again.values().get(metric), 1e-9, arm.variantId() + " " + metric));
        }
        traffic.write(segment("exp-inc", 1, 0.5, 20_000, 20_000, ArmProfile.BASELINE, 0, 0, 32));
        ExperimentResults grown = engine.compute(plan("exp-inc", Unit.USER));
        assertEquals(40_000, grown.arms().stream().mapToLong(ArmResult::requests).sum());
        assertEquals(40_000 / 4, grown.arms().stream().mapToLong(ArmResult::units).sum());
    }
}
