package dev.flywheel.splitter.stats.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Keeps {@code stats_unit_rollup} (migration V027) up to date: one row per (experiment, variant, stage, unit) with the
 * unit's exact totals. Each refresh finds the units touched since the last refresh (an inference event, feedback or
 * score inserted since then, by {@code inserted_at}) and recomputes those units from scratch out of the deduplicated
 * events: inference events re-read by unit from {@code stats_unit_events} (V026, sorted by unit) and collapsed per
 * event id, feedback collapsed per event id, scores reduced to the latest evaluator version per request.
 *
 * <p>Why recompute instead of adding increments: a row is then a pure function of the events, so a replayed event,
 * a refresh run twice, two replicas refreshing at once or a window scanned twice can never double count — the
 * newest row per unit (version = refresh time) simply replaces the older one. That is what lets the window overlap
 * the previous one by {@link #overlap} to pick up rows committed late (an insert's {@code inserted_at} is taken
 * when the insert starts). Rows committed more than {@code overlap} after their {@code inserted_at} would be missed
 * until the unit is touched again.
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

    /** @param overlap how far back before the last refresh to look again for late-committed rows */
    UnitRollup(String db, Duration overlap) {
        this.db = db;
        this.overlap = overlap;
    }

    /** Brings the experiment's rollup rows up to date with everything committed before this call. */
    void refresh(Connection c, String experimentId) throws SQLException {
        long now;
        long last;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT toUInt32(now()), (SELECT toUInt32(max(refreshed_to)) FROM " + db + ".stats_rollup_progress WHERE experiment_id = ?)")) {
            ps.setString(1, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                now = rs.getLong(1);
                last = rs.getLong(2);
            }
        }
        boolean cold = last == 0;
        long since = Math.max(0, last - overlap.toSeconds());
        List<Object> params = new ArrayList<>();
        String sql = recompute(experimentId, now, cold ? OptionalLong.empty() : OptionalLong.of(since), params);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + db + ".stats_rollup_progress (experiment_id, refreshed_to) SELECT ?, toDateTime(?)")) {
            ps.setString(1, experimentId);
            ps.setLong(2, now);
            ps.executeUpdate();
        }
    }

    /**
     * The INSERT … SELECT recomputing every unit touched at or after {@code since} (epoch s; empty: every unit of the
     * experiment), one row per request first: the inference event (collapsed per event id) joined to its feedback
     * (sums over distinct feedback events; conversion is the max) and to its scores (latest version per evaluator, as
     * parallel arrays). Appends the statement's parameters, in text order, to {@code params}.
     */
    private String recompute(String experimentId, long version, OptionalLong since, List<Object> params) {
        params.add(experimentId);
        params.add(version);
        params.add(experimentId);
        String units = unitFilter(experimentId, since, params);
        // Feedback has no experiment column: cold, it is read whole and the join keeps this experiment's requests.
        String feedbackRequests = "";
        if (since.isPresent()) {
            params.add(experimentId);
            feedbackRequests = " WHERE request_id IN (SELECT event_id FROM %s.stats_unit_events WHERE experiment_id = ?%s)"
                    .formatted(db, unitFilter(experimentId, since, params));
        }
        params.add(experimentId);
        String scoreRequests = "";
        if (since.isPresent()) {
            params.add(experimentId);
            scoreRequests = " AND request_id IN (SELECT event_id FROM %s.stats_unit_events WHERE experiment_id = ?%s)"
                    .formatted(db, unitFilter(experimentId, since, params));
        }
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
     * {@code AND unit_id IN (units with an inference event, feedback or score inserted at or after since)}, or
     * nothing when every unit is recomputed. Feedback and scores find their unit through the inference event.
     */
    private String unitFilter(String experimentId, OptionalLong since, List<Object> params) {
        if (since.isEmpty()) {
            return "";
        }
        long s = since.getAsLong();
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
