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
        Recent recent = recent(c, experimentId, now, last);
        String fingerprint = recent.fingerprintNow();
        long version = version(now);
        if (last > 0) {
            // Rescan the overlap only when rows were committed into it after the last refresh counted it.
            boolean late = !recent.fingerprintLast().equals(lastFingerprint);
            OptionalLong since = OptionalLong.of(late ? windowStart(last) : last);
            // The recompute statement scans the event tables' request ids even when no unit was touched: skip it then.
            if ((late ? recent.insertedSinceOverlap() : recent.insertedSinceLast()) > 0) {
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

    /**
     * What the refresh needs to know about recent inserts: the fingerprints — distinct events per table inserted in
     * [t − overlap, t), "inference,feedback,scores" — of the previous refresh's window (t = last; empty when there
     * was none) and of this one's (t = now), and how many rows were inserted at or after {@code last} and at or after
     * {@code last − overlap} (all tables together).
     */
    private record Recent(String fingerprintLast, String fingerprintNow, long insertedSinceLast, long insertedSinceOverlap) {}

    private long windowStart(long to) {
        return Math.max(0, to - overlap.toSeconds());
    }

    /**
     * {@link Recent} in one pass per event table (PREWHERE on {@code inserted_at} from the earliest bound; before, four
     * queries read each table's {@code inserted_at} column three times).
     */
    private Recent recent(Connection c, String experimentId, long now, long last) throws SQLException {
        long from = Math.min(windowStart(now), last > 0 ? windowStart(last) : Long.MAX_VALUE);
        String columns = ("uniqExactIf(event_id, inserted_at >= toDateTime(%1$d) AND inserted_at < toDateTime(%2$d)), "
                + "uniqExactIf(event_id, inserted_at >= toDateTime(%3$d) AND inserted_at < toDateTime(%4$d)), "
                + "countIf(inserted_at >= toDateTime(%2$d)), countIf(inserted_at >= toDateTime(%1$d))")
                .formatted(windowStart(last), last, windowStart(now), now);
        String sql = ("SELECT 0, %2$s FROM %1$s.inference_events PREWHERE inserted_at >= toDateTime(%3$d) WHERE experiment_id = ? "
                + "UNION ALL SELECT 1, %2$s FROM %1$s.feedback_events PREWHERE inserted_at >= toDateTime(%3$d) "
                + "UNION ALL SELECT 2, %2$s FROM %1$s.score_events PREWHERE inserted_at >= toDateTime(%3$d) WHERE experiment_id = ?")
                .formatted(db, columns, from);
        long[][] byTable = new long[3][];
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, experimentId);
            ps.setString(2, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byTable[rs.getInt(1)] = new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)};
                }
            }
        }
        StringBuilder lastPrint = new StringBuilder();
        StringBuilder nowPrint = new StringBuilder();
        long sinceLast = 0;
        long sinceOverlap = 0;
        for (long[] t : byTable) {
            if (t == null) {
                throw new SQLException("the recent-inserts query returned no row for one of the event tables");
            }
            lastPrint.append(lastPrint.isEmpty() ? "" : ",").append(t[0]);
            nowPrint.append(nowPrint.isEmpty() ? "" : ",").append(t[1]);
            sinceLast += t[2];
            sinceOverlap += t[3];
        }
        return new Recent(last > 0 ? lastPrint.toString() : "", nowPrint.toString(), sinceLast, sinceOverlap);
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
