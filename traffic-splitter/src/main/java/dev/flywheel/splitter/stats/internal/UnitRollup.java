package dev.flywheel.splitter.stats.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * Keeps {@code stats_unit_rollup} (migration V027) up to date: one row per (experiment, variant, stage, unit) with the
 * unit's exact totals. Each refresh finds the units touched since the last refresh (an inference event, feedback or
 * score inserted since then, by {@code inserted_at}) and recomputes those units from scratch out of the deduplicated
 * events: inference events re-read by unit from {@code stats_unit_events} (V026, sorted by unit) and collapsed per
 * event id, feedback collapsed per event id, scores reduced to the latest evaluator version per request.
 *
 * <p>Why recompute instead of adding increments: a row is then a pure function of the events, so a replayed event,
 * a refresh run twice, two replicas refreshing at once or a window scanned twice can never double count — the
 * newest row per unit (version = refresh time, see {@link #version}) simply replaces the older one. That is what lets the window overlap
 * the previous one by {@link #overlap} to pick up rows committed late (an insert's {@code inserted_at} is taken
 * when the insert starts). Rows committed more than {@code overlap} after their {@code inserted_at} would be missed
 * until the unit is touched again. The overlap is only rescanned when a count of the distinct events inserted into it
 * changed since the last refresh counted them, so a bulk load is not recomputed twice.
 *
 * <p>Cost: the first refresh of an experiment reads everything once (about the old full-scan query); later ones
 * scale with the units touched since, plus one scan of the {@code inserted_at} columns.
 */
final class UnitRollup {
    private static final String COLUMNS = """
            experiment_id, variant_id, ramp_stage, unit_id, requests, errors, fallbacks, tokens, tokens_sq, cost, cost_sq,
            latencies, thumbs_up, thumbs, thumbs_up_sq, thumbs_sq, thumbs_up_x_thumbs, rating_sum, ratings, rating_sum_sq,
            ratings_sq, rating_sum_x_ratings, conversions, conversions_sq, score_evaluators, scores, version""";

    private final String db;
    private final Duration overlap;
    private final RandomGenerator random;

    /**
     * @param overlap how far back before the last refresh to look again for late-committed rows
     * @param random  the random part of each refresh's version
     */
    UnitRollup(String db, Duration overlap, RandomGenerator random) {
        this.db = db;
        this.overlap = overlap;
        this.random = random;
    }

    /** Brings the experiment's rollup rows up to date with everything committed before this call. */
    void refresh(Connection c, String experimentId) throws SQLException {
        long now;
        long last;
        String lastFingerprint;
        try (PreparedStatement ps = c.prepareStatement("SELECT toUInt32(now()), toUInt32(max(refreshed_to)), "
                + "argMax(late_fingerprint, refreshed_to) FROM " + db + ".stats_rollup_progress WHERE experiment_id = ?")) {
            ps.setString(1, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                now = rs.getLong(1);
                last = rs.getLong(2);
                lastFingerprint = rs.getString(3);
            }
        }
        OptionalLong since = OptionalLong.empty();
        if (last > 0) {
            // Rescan the overlap only when rows were committed into it after the last refresh counted it.
            boolean late = !fingerprint(c, experimentId, last).equals(lastFingerprint);
            since = OptionalLong.of(late ? Math.max(0, last - overlap.toSeconds()) : last);
        }
        String fingerprint = fingerprint(c, experimentId, now);
        long version = version(now);
        if (since.isPresent()) {
            // The recompute statement scans the event tables' request ids even when no unit was touched: skip it then.
            if (touched(c, experimentId, since.getAsLong())) {
                recompute(c, experimentId, version, new Selection(since, 0, 1));
            }
        } else {
            // First build: every unit, in slices of about SLICE_EVENTS events (by unit hash) to bound query memory.
            long slices = Math.max(1, (events(c, experimentId) + SLICE_EVENTS - 1) / SLICE_EVENTS);
            for (long k = 0; k < slices; k++) {
                recompute(c, experimentId, version, new Selection(OptionalLong.empty(), k, slices));
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + db + ".stats_rollup_progress (experiment_id, refreshed_to, "
                + "late_fingerprint) SELECT ?, toDateTime(?), ?")) {
            ps.setString(1, experimentId);
            ps.setLong(2, now);
            ps.setString(3, fingerprint);
            ps.executeUpdate();
        }
    }

    /**
     * The rollup version of a refresh started at {@code now} (epoch s): now·10⁶ plus a random part, so that two
     * refreshes never share a version (but for a 10⁻⁶ chance when they start in the same second). Rows of one version
     * then come from one refresh, which writes each unit once, so they are duplicate-free across parts — what
     * {@link LatestRows} relies on. Larger than the epoch-second versions written before, so those stay older.
     */
    private long version(long now) {
        return now * 1_000_000L + random.nextLong(1_000_000L);
    }

    /** Whether any inference event, feedback or score was inserted at or after {@code since} (epoch s). */
    private boolean touched(Connection c, String experimentId, long since) throws SQLException {
        String sql = "SELECT (SELECT count() FROM %1$s.inference_events WHERE experiment_id = ? AND inserted_at >= toDateTime(?)) "
                + "+ (SELECT count() FROM %1$s.feedback_events WHERE inserted_at >= toDateTime(?)) "
                + "+ (SELECT count() FROM %1$s.score_events WHERE experiment_id = ? AND inserted_at >= toDateTime(?))";
        try (PreparedStatement ps = c.prepareStatement(sql.formatted(db))) {
            ps.setString(1, experimentId);
            ps.setLong(2, since);
            ps.setLong(3, since);
            ps.setString(4, experimentId);
            ps.setLong(5, since);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Events per slice of a first build: keeps one INSERT … SELECT well under 18.16's default 3.7 GiB query limit. */
    private static final long SLICE_EVENTS = 1_500_000;

    /** Which units to recompute: touched at or after {@code since} (epoch s), else slice {@code slice} of {@code slices}. */
    private record Selection(OptionalLong since, long slice, long slices) {}

    private long events(Connection c, String experimentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count() FROM " + db + ".stats_unit_events WHERE experiment_id = ?")) {
            ps.setString(1, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void recompute(Connection c, String experimentId, long version, Selection selection) throws SQLException {
        List<Object> params = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(recompute(experimentId, version, selection, params))) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            ps.executeUpdate();
        }
    }

    /** Distinct events per table inserted in [to − overlap, to): "inference,feedback,scores". */
    private String fingerprint(Connection c, String experimentId, long to) throws SQLException {
        String window = " inserted_at >= toDateTime(?) AND inserted_at < toDateTime(?)";
        String sql = "SELECT concat(toString((SELECT uniqExact(event_id) FROM %1$s.inference_events WHERE experiment_id = ? AND%2$s)), ',', "
                + "toString((SELECT uniqExact(event_id) FROM %1$s.feedback_events WHERE%2$s)), ',', "
                + "toString((SELECT uniqExact(event_id) FROM %1$s.score_events WHERE experiment_id = ? AND%2$s)))";
        long from = Math.max(0, to - overlap.toSeconds());
        try (PreparedStatement ps = c.prepareStatement(sql.formatted(db, window))) {
            int i = 1;
            ps.setString(i++, experimentId);
            ps.setLong(i++, from);
            ps.setLong(i++, to);
            ps.setLong(i++, from);
            ps.setLong(i++, to);
            ps.setString(i++, experimentId);
            ps.setLong(i++, from);
            ps.setLong(i, to);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * The INSERT … SELECT recomputing the selected units, one row per request first: the inference event (collapsed per event id) joined to its feedback
     * (sums over distinct feedback events; conversion is the max) and to its scores (latest version per evaluator, as
     * parallel arrays). Appends the statement's parameters, in text order, to {@code params}.
     */
    private String recompute(String experimentId, long version, Selection since, List<Object> params) {
        params.add(experimentId);
        params.add(version);
        params.add(experimentId);
        String units = unitFilter(experimentId, since, params);
        params.add(experimentId);
        String feedbackRequests = " WHERE request_id IN (SELECT event_id FROM %s.stats_unit_events WHERE experiment_id = ?%s)"
                .formatted(db, unitFilter(experimentId, since, params));
        params.add(experimentId);
        params.add(experimentId);
        String scoreRequests = " AND request_id IN (SELECT event_id FROM %s.stats_unit_events WHERE experiment_id = ?%s)"
                .formatted(db, unitFilter(experimentId, since, params));
        return """
                INSERT INTO %1$s.stats_unit_rollup (%2$s)
                SELECT ?, variant_id, ramp_stage, unit_id, count(), countIf(status = 'error'), countIf(status = 'fallback'),
                  sum(tok), sum(tok * tok), sum(cost), sum(cost * cost), groupArray(latency_ms),
                  sum(up), sum(tn), sum(up * up), sum(tn * tn), sum(up * tn), sum(rs), sum(rn), sum(rs * rs), sum(rn * rn), sum(rs * rn),
                  sum(cv), sum(cv * cv), groupArrayArray(se), groupArrayArray(ss), ?
                FROM (
                  SELECT * FROM (
                    SELECT event_id AS request_id, unit_id, any(variant_id) AS variant_id, any(ramp_stage) AS ramp_stage,
                           any(status) AS status, toFloat64(any(tokens)) AS tok, any(cost) AS cost, any(latency_ms) AS latency_ms
                    FROM %1$s.stats_unit_events WHERE experiment_id = ?%3$s GROUP BY unit_id, event_id
                  ) ANY LEFT JOIN (
                    SELECT request_id, sum(if(kind = 'thumbs', v, toFloat64(0))) AS up, toFloat64(countIf(kind = 'thumbs')) AS tn,
                           sum(if(kind = 'rating', v, toFloat64(0))) AS rs, toFloat64(countIf(kind = 'rating')) AS rn,
                           max(if(kind = 'conversion', v, toFloat64(0))) AS cv
                    FROM (SELECT request_id, event_id, any(kind) AS kind, any(ifNull(value, toFloat64(0))) AS v
                          FROM %1$s.feedback_events%4$s GROUP BY request_id, event_id)
                    GROUP BY request_id
                  ) USING request_id
                ) ANY LEFT JOIN (
                  SELECT request_id, groupArray(evaluator_id) AS se, groupArray(score) AS ss
                  FROM (SELECT request_id, evaluator_id, argMax(score, evaluator_version) AS score FROM %1$s.score_events
                        WHERE experiment_id = ? AND status = 'ok'%5$s GROUP BY request_id, evaluator_id)
                  GROUP BY request_id
                ) USING request_id
                GROUP BY variant_id, ramp_stage, unit_id""".formatted(db, COLUMNS, units, feedbackRequests, scoreRequests);
    }

    /**
     * {@code AND unit_id IN (units with an inference event, feedback or score inserted at or after since)}, or for a
     * first build the unit-hash slice. Feedback and scores find their unit through the inference event.
     */
    private String unitFilter(String experimentId, Selection selection, List<Object> params) {
        if (selection.since().isEmpty()) {
            params.add(selection.slices());
            params.add(selection.slice());
            return " AND cityHash64(unit_id) % ? = ?";
        }
        long s = selection.since().getAsLong();
        params.addAll(List.of(experimentId, s, experimentId, s, experimentId, s));
        return """
                 AND unit_id IN (
                  SELECT unit_id FROM %1$s.inference_events WHERE experiment_id = ? AND inserted_at >= toDateTime(?)
                  UNION ALL
                  SELECT unit_id FROM %1$s.inference_events WHERE experiment_id = ? AND event_id IN (
                    SELECT request_id FROM %1$s.feedback_events WHERE inserted_at >= toDateTime(?)
                    UNION ALL
                    SELECT request_id FROM %1$s.score_events WHERE experiment_id = ? AND inserted_at >= toDateTime(?)))""".formatted(db);
    }
}
