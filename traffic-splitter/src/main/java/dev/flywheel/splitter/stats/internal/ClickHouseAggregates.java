package dev.flywheel.splitter.stats.internal;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.AnalysisPlan;
import dev.flywheel.splitter.stats.ArmStageData;
import dev.flywheel.splitter.stats.ExperimentData;
import dev.flywheel.splitter.stats.Metric;
import dev.flywheel.splitter.stats.Metric.Builtin;
import dev.flywheel.splitter.stats.RatioSummary;
import dev.flywheel.splitter.stats.StatsUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one experiment's aggregates from ClickHouse with SQL that runs on 18.16 and current versions (no window
 * functions, no JSON functions, no DateTime64). Two queries:
 * <ol>
 *   <li>latency quantiles per variant (control's become the thresholds of the latency comparisons). Read without
 *       FINAL: a replayed event is one more draw from the same distribution, so it cannot move a quantile materially,
 *       and FINAL would double this query's cost;
 *   <li>one scan of the experiment's inference events ({@code FINAL}: the ReplacingMergeTree collapses replays on
 *       event id) joined on request id to one row per request of feedback ({@code FINAL}) and evaluator scores (the
 *       latest evaluator version per request and evaluator, which also neutralises duplicate score rows), summed per
 *       (variant, stage, unit) and then per (variant, stage) into the five sums of each ratio metric.
 * </ol>
 * When the unit is a request, every request is its own unit and the per-unit grouping is skipped (same sums, far
 * less work). Shapes: one result row per (variant, stage); columns per metric {Σx, Σx², Σx·y} with y = requests, or
 * {Σx, Σy, Σx², Σy², Σx·y} for thumbs, ratings and scores.
 */
public final class ClickHouseAggregates {
    /** Per-unit columns: name, expression when grouping by unit, expression when each request is a unit. */
    private record Column(String name, String grouped, String flat) {
        static Column summed(String name) {
            return new Column(name, "sum(" + name + ")", name);
        }
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("n", "toFloat64(count())", "toFloat64(1)"),
            new Column("err", "toFloat64(countIf(status = 'error'))", "toFloat64(status = 'error')"),
            new Column("fb", "toFloat64(countIf(status = 'fallback'))", "toFloat64(status = 'fallback')"),
            new Column("tok", "toFloat64(sum(prompt_tokens + completion_tokens))", "toFloat64(prompt_tokens + completion_tokens)"),
            new Column("cost", "sum(cost)", "cost"),
            new Column("l50", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            new Column("l95", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            new Column("l99", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            Column.summed("up"), Column.summed("tn"), Column.summed("rs"), Column.summed("rn"), Column.summed("cv"));

    private final ClickHouseConnections connections;
    private final java.time.Duration queryTimeout;

    /** @param queryTimeout how long one query may run before the read is abandoned (large experiments take long) */
    public ClickHouseAggregates(ClickHouseConnections connections, java.time.Duration queryTimeout) {
        this.connections = connections;
        this.queryTimeout = queryTimeout;
    }

    private Connection open() throws SQLException {
        var props = connections.config().jdbcProperties();
        props.setProperty("socket_timeout", Long.toString(queryTimeout.toMillis()));
        return java.sql.DriverManager.getConnection(connections.config().jdbcUrl(), props);
    }

    public ExperimentData read(AnalysisPlan plan) {
        try (Connection c = open()) {
            Map<String, Map<Double, Double>> quantiles = quantiles(c, plan);
            Map<Double, Double> control = quantiles.getOrDefault(plan.controlVariantId(), Map.of());
            Map<String, Map<Integer, Builder>> cells = new LinkedHashMap<>();
            readJoined(c, plan, control, cells);
            List<ArmStageData> out = new ArrayList<>();
            cells.values().forEach(m -> m.values().forEach(b -> out.add(b.build())));
            return new ExperimentData(plan.experimentId(), out, quantiles);
        } catch (SQLException e) {
            throw new StatsUnavailableException(plan.experimentId(), "ClickHouse query failed at "
                    + connections.config().httpUrl() + ": " + e.getMessage(), e);
        }
    }

    private String db() {
        return connections.config().database();
    }

    private Map<String, Map<Double, Double>> quantiles(Connection c, AnalysisPlan plan) throws SQLException {
        String sql = "SELECT variant_id, q[1], q[2], q[3] FROM (SELECT variant_id, quantiles(0.5, 0.95, 0.99)(latency_ms) AS q FROM "
                + db() + ".inference_events WHERE experiment_id = ? GROUP BY variant_id)";
        Map<String, Map<Double, Double>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, plan.experimentId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), Map.of(0.5, rs.getDouble(2), 0.95, rs.getDouble(3), 0.99, rs.getDouble(4)));
                }
            }
        }
        return out;
    }

    /** The join of inference events with one row per request of feedback and scores; {@code k} evaluators. */
    private String joined(int k) {
        StringBuilder scoreCols = new StringBuilder();
        StringBuilder zeroScores = new StringBuilder();
        StringBuilder scorePicks = new StringBuilder();
        StringBuilder scoreSums = new StringBuilder();
        StringBuilder outerCols = new StringBuilder();
        for (int i = 0; i < k; i++) {
            scoreCols.append(", s").append(i).append(", c").append(i);
            zeroScores.append(", toFloat64(0) AS s").append(i).append(", toFloat64(0) AS c").append(i);
            scorePicks.append(", if(evaluator_id = ?, score, toFloat64(0)) AS s").append(i)
                    .append(", toFloat64(evaluator_id = ?) AS c").append(i);
            scoreSums.append(", sum(s").append(i).append(") AS s").append(i).append(", sum(c").append(i).append(") AS c").append(i);
        }
        outerCols.append(scoreCols);
        String scores = k == 0 ? "" : """
                  UNION ALL
                  SELECT request_id, toFloat64(0) AS up, toFloat64(0) AS tn, toFloat64(0) AS rs, toFloat64(0) AS rn,
                         toFloat64(0) AS cv%2$s
                  FROM (SELECT request_id, evaluator_id, argMax(score, evaluator_version) AS score FROM %1$s.score_events
                        WHERE experiment_id = ? AND status = 'ok' AND evaluator_id IN (%3$s) GROUP BY request_id, evaluator_id)
                """.formatted(db(), scorePicks, String.join(", ", Collections.nCopies(k, "?")));
        return """
                SELECT variant_id, ramp_stage, unit_id, status, prompt_tokens, completion_tokens, cost, latency_ms, up, tn, rs, rn, cv%2$s
                FROM (
                  SELECT event_id AS request_id, variant_id, ramp_stage, unit_id, status, prompt_tokens, completion_tokens, cost, latency_ms
                  FROM %1$s.inference_events FINAL WHERE experiment_id = ?
                ) ANY LEFT JOIN (
                  SELECT request_id, sum(up) AS up, sum(tn) AS tn, sum(rs) AS rs, sum(rn) AS rn, max(cv) AS cv%3$s
                  FROM (
                    SELECT request_id, if(kind = 'thumbs', v, toFloat64(0)) AS up, toFloat64(kind = 'thumbs') AS tn,
                           if(kind = 'rating', v, toFloat64(0)) AS rs, toFloat64(kind = 'rating') AS rn,
                           if(kind = 'conversion', v, toFloat64(0)) AS cv%4$s
                    FROM (SELECT request_id, kind, ifNull(value, toFloat64(0)) AS v FROM %1$s.feedback_events FINAL WHERE ts_ms >= ?)
                %5$s  )
                  GROUP BY request_id
                ) USING request_id""".formatted(db(), outerCols, scoreSums, zeroScores, scores);
    }

    private void readJoined(Connection c, AnalysisPlan plan, Map<Double, Double> controlQuantiles,
                            Map<String, Map<Integer, Builder>> cells) throws SQLException {
        boolean perRequest = plan.unit() == Unit.REQUEST;
        List<String> evaluators = plan.evaluatorIds();
        List<Column> columns = new ArrayList<>(COLUMNS);
        for (int i = 0; i < evaluators.size(); i++) {
            columns.add(Column.summed("s" + i));
            columns.add(Column.summed("c" + i));
        }
        StringBuilder inner = new StringBuilder("SELECT variant_id, ramp_stage");
        for (Column col : columns) {
            inner.append(", ").append(perRequest ? col.flat() : col.grouped()).append(" AS ").append(col.name());
        }
        inner.append(" FROM (").append(joined(evaluators.size())).append(')');
        if (!perRequest) {
            inner.append(" GROUP BY variant_id, ramp_stage, unit_id");
        }
        StringBuilder outer = new StringBuilder("SELECT variant_id, ramp_stage, count() AS units");
        for (Column col : columns) {
            String x = col.name();
            outer.append(", sum(").append(x).append("), sum(").append(x).append(" * ").append(x).append("), sum(")
                    .append(x).append(" * n)");
        }
        outer.append(", sum(up * tn), sum(rs * rn)");
        for (int i = 0; i < evaluators.size(); i++) {
            outer.append(", sum(s").append(i).append(" * c").append(i).append(')');
        }
        outer.append(" FROM (").append(inner).append(") GROUP BY variant_id, ramp_stage");
        try (PreparedStatement ps = c.prepareStatement(outer.toString())) {
            int i = 1;
            // Parameter order follows the text: latency thresholds, experiment, feedback since, then per evaluator
            // (id, id) for the score columns, the experiment again and the evaluator ids of the IN list.
            for (double q : new double[] {0.5, 0.95, 0.99}) {
                ps.setDouble(i++, controlQuantiles.getOrDefault(q, Double.MAX_VALUE));
            }
            ps.setString(i++, plan.experimentId());
            ps.setLong(i++, plan.sinceMs());
            if (!evaluators.isEmpty()) {
                for (String e : evaluators) {
                    ps.setString(i++, e);
                    ps.setString(i++, e);
                }
                ps.setString(i++, plan.experimentId());
                for (String e : evaluators) {
                    ps.setString(i++, e);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String variant = rs.getString(1);
                    int stage = rs.getInt(2);
                    long units = rs.getLong(3);
                    Map<String, double[]> sums = new HashMap<>();
                    int col = 4;
                    for (Column column : columns) {
                        sums.put(column.name(), new double[] {rs.getDouble(col), rs.getDouble(col + 1), rs.getDouble(col + 2)});
                        col += 3;
                    }
                    double upTn = rs.getDouble(col++);
                    double rsRn = rs.getDouble(col++);
                    Builder b = cells.computeIfAbsent(variant, k -> new LinkedHashMap<>()).computeIfAbsent(stage, k -> new Builder(variant, k));
                    double[] n = sums.get("n");
                    b.units = units;
                    b.requests = Math.round(n[0]);
                    b.metrics.put(Builtin.ERROR_RATE, perRequestRatio(units, sums.get("err"), n));
                    b.metrics.put(Builtin.FALLBACK_RATE, perRequestRatio(units, sums.get("fb"), n));
                    b.metrics.put(Builtin.TOKENS_PER_REQUEST, perRequestRatio(units, sums.get("tok"), n));
                    b.metrics.put(Builtin.COST_PER_REQUEST, perRequestRatio(units, sums.get("cost"), n));
                    b.metrics.put(Builtin.LATENCY_P50, perRequestRatio(units, sums.get("l50"), n));
                    b.metrics.put(Builtin.LATENCY_P95, perRequestRatio(units, sums.get("l95"), n));
                    b.metrics.put(Builtin.LATENCY_P99, perRequestRatio(units, sums.get("l99"), n));
                    b.metrics.put(Builtin.CONVERSION_RATE, perRequestRatio(units, sums.get("cv"), n));
                    b.metrics.put(Builtin.THUMBS_UP_RATE, ratio(units, sums.get("up"), sums.get("tn"), upTn));
                    b.metrics.put(Builtin.MEAN_RATING, ratio(units, sums.get("rs"), sums.get("rn"), rsRn));
                    for (int e = 0; e < evaluators.size(); e++) {
                        b.metrics.put(new Metric.Score(evaluators.get(e)),
                                ratio(units, sums.get("s" + e), sums.get("c" + e), rs.getDouble(col++)));
                    }
                }
            }
        }
    }

    /** Σx/Σy from the {Σ, Σ², Σ·n} triples of x and y and the cross sum Σx·y. */
    private static RatioSummary ratio(long units, double[] x, double[] y, double sumXY) {
        return new RatioSummary(units, x[0], y[0], x[1], y[1], sumXY);
    }

    /** Σx/Σrequests: x sums {Σx, Σx², Σx·n}, n sums {Σn, Σn², Σn·n}. */
    private static RatioSummary perRequestRatio(long units, double[] x, double[] n) {
        return new RatioSummary(units, x[0], n[0], x[1], n[1], x[2]);
    }

    /** Mutable while one query's rows are read; built once at the end. */
    private static final class Builder {
        private final String variant;
        private final int stage;
        private long units;
        private long requests;
        private final Map<Metric, RatioSummary> metrics = new HashMap<>();

        Builder(String variant, int stage) {
            this.variant = variant;
            this.stage = stage;
        }

        ArmStageData build() {
            return new ArmStageData(variant, stage, units, requests, metrics);
        }
    }
}
