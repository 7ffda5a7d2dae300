package dev.flywheel.splitter.stats.simulation;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes simulated inference events, evaluator scores and feedback into ClickHouse, generated server-side with
 * {@code INSERT … SELECT … FROM numbers(N)} (millions of rows per second, no data over the wire). Every random draw
 * is a hash of (seed, request number, draw index), so a segment always produces the same rows; the arm of a unit
 * and whether it is dropped are computed identically in all three inserts. For tests and the stats benchmark.
 */
public final class SyntheticTraffic {
    /** Per request: n, unit, treated, uniforms u1..u8. Parameters: firstRequest, count, requestsPerUnit, seed ×2, share, seed, drop. */
    private static final String SOURCE = """
            SELECT n, unit, treated,
              ((cityHash64(?, n, 1) % 1000000) + 0.5) / 1000000 AS u1, ((cityHash64(?, n, 2) % 1000000) + 0.5) / 1000000 AS u2,
              ((cityHash64(?, n, 3) % 1000000) + 0.5) / 1000000 AS u3, ((cityHash64(?, n, 4) % 1000000) + 0.5) / 1000000 AS u4,
              ((cityHash64(?, n, 5) % 1000000) + 0.5) / 1000000 AS u5, ((cityHash64(?, n, 6) % 1000000) + 0.5) / 1000000 AS u6
            FROM (
              SELECT number + ? AS n, intDiv(n, ?) AS unit,
                ((cityHash64(?, unit, 100) % 1000000) + 0.5) / 1000000 < ? AS treated,
                ((cityHash64(?, unit, 101) % 1000000) + 0.5) / 1000000 AS u_drop
              FROM system.numbers LIMIT ?
            ) WHERE NOT (treated AND u_drop < ?)""";

    private final ClickHouseConnections connections;

    public SyntheticTraffic(ClickHouseConnections connections) {
        this.connections = connections;
    }

    /** Writes the segment's inference events, then its sampled scores and feedback. */
    public void write(TrafficSegment s) {
        String db = connections.config().database();
        String variant = "if(treated, ?, ?)";
        String inference = """
                INSERT INTO %1$s.inference_events (event_id, ts, ts_ms, experiment_id, variant_id, ramp_stage, unit_id, model,
                  adapter_id, prompt, completion, finish_reason, prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost,
                  status, error, attributes)
                SELECT concat(?, '-r', toString(n)), toDateTime(intDiv(t, 1000)), t, ?, %2$s, ?, concat(?, '-u', toString(unit)),
                  'sim', '', '', '', 'stop', 50 + n %% 50, 100 + n %% 100, 20, lat, (150 + n %% 150) * 0.00001,
                  if(u3 < if(treated, ?, ?), 'error', 'ok'), '', '{}'
                FROM (SELECT n, unit, treated, u3, ? + intDiv((n - ?) * ?, ?) AS t,
                        if(treated, ?, ?) * exp(0.3 * sqrt(-2 * log(u1)) * cos(2 * pi() * u2)) AS lat
                      FROM (%3$s))""".formatted(db, variant, SOURCE);
        String scores = """
                INSERT INTO %1$s.score_events (event_id, ts, ts_ms, request_id, experiment_id, variant_id, evaluator_id,
                  evaluator_version, score, passed, status, detail, latency_ms)
                SELECT concat(?, '-s', toString(n)), toDateTime(intDiv(t, 1000)), t, concat(?, '-r', toString(n)), ?, %2$s,
                  'quality', 1, if(treated, ?, ?) + if(treated, ?, ?) * sqrt(-2 * log(u4)) * cos(2 * pi() * u5), NULL, 'ok', '', 1
                FROM (SELECT n, unit, treated, u4, u5, ? + intDiv((n - ?) * ?, ?) AS t FROM (%3$s))
                WHERE ((cityHash64(?, n, 7) %% 1000000) + 0.5) / 1000000 < ?""".formatted(db, variant, SOURCE);
        String feedback = """
                INSERT INTO %1$s.feedback_events (event_id, ts, ts_ms, request_id, unit_id, kind, value, comment, attributes)
                SELECT concat(?, '-f', toString(n)), toDateTime(intDiv(t, 1000)), t, concat(?, '-r', toString(n)),
                  concat(?, '-u', toString(unit)), if(u6 < 0.5, 'thumbs', 'conversion'),
                  if(u6 < 0.5, toFloat64(u5 < if(treated, ?, ?)), toFloat64(u5 < if(treated, ?, ?))), '', '{}'
                FROM (SELECT n, unit, treated, u5, u6, ? + intDiv((n - ?) * ?, ?) AS t FROM (%2$s))
                WHERE ((cityHash64(?, n, 8) %% 1000000) + 0.5) / 1000000 < ?""".formatted(db, SOURCE);
        try (Connection c = connections.open()) {
            try (PreparedStatement ps = c.prepareStatement(inference)) {
                int i = 1;
                String e = s.experimentId();
                ps.setString(i++, e);
                ps.setString(i++, e);
                i = variant(ps, i, s);
                ps.setInt(i++, s.stage());
                ps.setString(i++, e);
                ps.setDouble(i++, s.treatment().errorRate());
                ps.setDouble(i++, s.control().errorRate());
                i = time(ps, i, s);
                ps.setDouble(i++, s.treatment().latencyMedianMs());
                ps.setDouble(i++, s.control().latencyMedianMs());
                source(ps, i, s);
                ps.executeUpdate();
            }
            if (s.duplicateFraction() > 0) {
                duplicate(c, db, s);
            }
            try (PreparedStatement ps = c.prepareStatement(scores)) {
                int i = 1;
                String e = s.experimentId();
                ps.setString(i++, e);
                ps.setString(i++, e);
                ps.setString(i++, e);
                i = variant(ps, i, s);
                ps.setDouble(i++, s.treatment().scoreMean());
                ps.setDouble(i++, s.control().scoreMean());
                ps.setDouble(i++, s.treatment().scoreSd());
                ps.setDouble(i++, s.control().scoreSd());
                i = time(ps, i, s);
                i = source(ps, i, s);
                ps.setLong(i++, s.seed());
                ps.setDouble(i, s.scoredFraction());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(feedback)) {
                int i = 1;
                String e = s.experimentId();
                ps.setString(i++, e);
                ps.setString(i++, e);
                ps.setString(i++, e);
                ps.setDouble(i++, s.treatment().thumbsUpRate());
                ps.setDouble(i++, s.control().thumbsUpRate());
                ps.setDouble(i++, s.treatment().conversionRate());
                ps.setDouble(i++, s.control().conversionRate());
                i = time(ps, i, s);
                i = source(ps, i, s);
                ps.setLong(i++, s.seed());
                ps.setDouble(i, s.feedbackFraction());
                ps.executeUpdate();
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("could not write simulated traffic for experiment '" + s.experimentId() + "' stage "
                    + s.stage() + ": " + ex.getMessage(), ex);
        }
    }

    /** Re-inserts a share of the segment's inference rows unchanged: replays that FINAL must collapse. */
    private static void duplicate(Connection c, String db, TrafficSegment s) throws SQLException {
        String sql = "INSERT INTO " + db + ".inference_events SELECT * FROM " + db + ".inference_events WHERE experiment_id = ? "
                + "AND ramp_stage = ? AND (cityHash64(?, event_id) % 1000000) < ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, s.experimentId());
            ps.setInt(2, s.stage());
            ps.setLong(3, s.seed());
            ps.setLong(4, Math.round(s.duplicateFraction() * 1_000_000));
            ps.executeUpdate();
        }
    }

    private static int variant(PreparedStatement ps, int i, TrafficSegment s) throws SQLException {
        ps.setString(i++, s.treatmentVariantId());
        ps.setString(i++, s.controlVariantId());
        return i;
    }

    private static int time(PreparedStatement ps, int i, TrafficSegment s) throws SQLException {
        ps.setLong(i++, s.startMs());
        ps.setLong(i++, s.firstRequest());
        ps.setLong(i++, s.durationMs());
        ps.setLong(i++, Math.max(1, s.requests()));
        return i;
    }

    private static int source(PreparedStatement ps, int i, TrafficSegment s) throws SQLException {
        for (int k = 0; k < 6; k++) {
            ps.setLong(i++, s.seed());
        }
        ps.setLong(i++, s.firstRequest());
        ps.setLong(i++, s.requestsPerUnit());
        ps.setLong(i++, s.seed());
        ps.setDouble(i++, s.treatmentShare());
        ps.setLong(i++, s.seed());
        ps.setLong(i++, s.requests());
        ps.setDouble(i++, s.dropTreatmentFraction());
        return i;
    }
}
