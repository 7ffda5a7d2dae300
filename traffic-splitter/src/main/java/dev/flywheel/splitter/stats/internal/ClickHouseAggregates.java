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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one experiment's aggregates from ClickHouse with SQL that runs on 18.16 and current versions (no window
 * functions, no JSON functions, no DateTime64). Three queries:
 * <ol>
 *   <li>latency quantiles per variant (control's become the thresholds of the latency comparisons);
 *   <li>inference events with feedback joined on request id, summed per (variant, stage, unit) and then per
 *       (variant, stage) into the five sums of each ratio metric;
 *   <li>evaluator scores joined to their inference event (for stage and unit), the same way.
 * </ol>
 * Duplicates are neutralised: inference and feedback rows are read {@code FINAL} (ReplacingMergeTree collapses on
 * event id), scores are reduced per (request, evaluator) to the latest evaluator version. When the unit is a
 * request, every request is its own unit and the per-unit grouping is skipped (same sums, far less work).
 */
public final class ClickHouseAggregates {
    /** Per-unit columns: name, expression when grouping by unit, expression when each request is a unit. */
    private record Column(String name, String grouped, String flat) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("n", "toFloat64(count())", "toFloat64(1)"),
            new Column("err", "toFloat64(countIf(status = 'error'))", "toFloat64(status = 'error')"),
            new Column("fb", "toFloat64(countIf(status = 'fallback'))", "toFloat64(status = 'fallback')"),
            new Column("tok", "toFloat64(sum(prompt_tokens + completion_tokens))", "toFloat64(prompt_tokens + completion_tokens)"),
            new Column("cost", "sum(cost)", "cost"),
            new Column("l50", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            new Column("l95", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            new Column("l99", "toFloat64(countIf(latency_ms > ?))", "toFloat64(latency_ms > ?)"),
            new Column("up", "sum(up)", "up"),
            new Column("tn", "sum(tn)", "tn"),
            new Column("rs", "sum(rs)", "rs"),
            new Column("rn", "sum(rn)", "rn"),
            new Column("cv", "sum(cv)", "cv"));

    private static final String JOINED = """
            SELECT variant_id, ramp_stage, unit_id, status, prompt_tokens, completion_tokens, cost, latency_ms, up, tn, rs, rn, cv
            FROM (
              SELECT event_id AS request_id, variant_id, ramp_stage, unit_id, status, prompt_tokens, completion_tokens, cost, latency_ms
              FROM %1$s.inference_events FINAL WHERE experiment_id = ?
            ) ANY LEFT JOIN (
              SELECT request_id, sumIf(v, kind = 'thumbs') AS up, toFloat64(countIf(kind = 'thumbs')) AS tn,
                     sumIf(v, kind = 'rating') AS rs, toFloat64(countIf(kind = 'rating')) AS rn,
                     maxIf(v, kind = 'conversion') AS cv
              FROM (SELECT request_id, kind, ifNull(value, 0) AS v FROM %1$s.feedback_events FINAL WHERE ts_ms >= ?)
              GROUP BY request_id
            ) USING request_id""";

    private final ClickHouseConnections connections;

    public ClickHouseAggregates(ClickHouseConnections connections) {
        this.connections = connections;
    }

    public ExperimentData read(AnalysisPlan plan) {
        try (Connection c = connections.open()) {
            Map<String, Map<Double, Double>> quantiles = quantiles(c, plan);
            Map<Double, Double> control = quantiles.getOrDefault(plan.controlVariantId(), Map.of());
            Map<String, Map<Integer, Builder>> cells = new LinkedHashMap<>();
            readInference(c, plan, control, cells);
            if (!plan.evaluatorIds().isEmpty()) {
                readScores(c, plan, cells);
            }
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
                + db() + ".inference_events FINAL WHERE experiment_id = ? GROUP BY variant_id)";
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

    private void readInference(Connection c, AnalysisPlan plan, Map<Double, Double> controlQuantiles,
                               Map<String, Map<Integer, Builder>> cells) throws SQLException {
        boolean perRequest = plan.unit() == Unit.REQUEST;
        StringBuilder inner = new StringBuilder("SELECT variant_id, ramp_stage");
        for (Column col : COLUMNS) {
            inner.append(", ").append(perRequest ? col.flat() : col.grouped()).append(" AS ").append(col.name());
        }
        inner.append(" FROM (").append(JOINED.formatted(db())).append(')');
        if (!perRequest) {
            inner.append(" GROUP BY variant_id, ramp_stage, unit_id");
        }
        StringBuilder outer = new StringBuilder("SELECT variant_id, ramp_stage, count() AS units");
        for (Column col : COLUMNS) {
            String x = col.name();
            outer.append(", sum(").append(x).append("), sum(").append(x).append(" * ").append(x).append("), sum(")
                    .append(x).append(" * n)");
        }
        outer.append(", sum(up * tn), sum(rs * rn) FROM (").append(inner).append(") GROUP BY variant_id, ramp_stage");
        try (PreparedStatement ps = c.prepareStatement(outer.toString())) {
            int i = 1;
            // The latency thresholds appear in the inner SELECT before the join's parameters.
            for (double q : new double[] {0.5, 0.95, 0.99}) {
                ps.setDouble(i++, controlQuantiles.getOrDefault(q, Double.MAX_VALUE));
            }
            ps.setString(i++, plan.experimentId());
            ps.setLong(i, plan.sinceMs());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String variant = rs.getString(1);
                    int stage = rs.getInt(2);
                    long units = rs.getLong(3);
                    Map<String, double[]> sums = new HashMap<>();
                    int col = 4;
                    for (Column column : COLUMNS) {
                        sums.put(column.name(), new double[] {rs.getDouble(col), rs.getDouble(col + 1), rs.getDouble(col + 2)});
                        col += 3;
                    }
                    double upTn = rs.getDouble(col);
                    double rsRn = rs.getDouble(col + 1);
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
                    double[] up = sums.get("up");
                    double[] tn = sums.get("tn");
                    b.metrics.put(Builtin.THUMBS_UP_RATE, new RatioSummary(units, up[0], tn[0], up[1], tn[1], upTn));
                    double[] rsum = sums.get("rs");
                    double[] rn = sums.get("rn");
                    b.metrics.put(Builtin.MEAN_RATING, new RatioSummary(units, rsum[0], rn[0], rsum[1], rn[1], rsRn));
                }
            }
        }
    }

    /** Σx/Σrequests: x sums {Σx, Σx², Σx·n}, n sums {Σn, Σn², Σn·n}. */
    private static RatioSummary perRequestRatio(long units, double[] x, double[] n) {
        return new RatioSummary(units, x[0], n[0], x[1], n[1], x[2]);
    }

    private void readScores(Connection c, AnalysisPlan plan, Map<String, Map<Integer, Builder>> cells) throws SQLException {
        boolean perRequest = plan.unit() == Unit.REQUEST;
        List<String> evaluators = plan.evaluatorIds();
        String in = String.join(", ", java.util.Collections.nCopies(evaluators.size(), "?"));
        String joined = """
                SELECT variant_id, ramp_stage, unit_id, evaluator_id, score FROM (
                  SELECT event_id AS request_id, variant_id, ramp_stage, unit_id
                  FROM %1$s.inference_events FINAL WHERE experiment_id = ?
                ) ALL INNER JOIN (
                  SELECT request_id, evaluator_id, argMax(score, evaluator_version) AS score
                  FROM %1$s.score_events WHERE experiment_id = ? AND status = 'ok' AND evaluator_id IN (%2$s)
                  GROUP BY request_id, evaluator_id
                ) USING request_id""".formatted(db(), in);
        String inner = perRequest
                ? "SELECT variant_id, ramp_stage, evaluator_id, score AS s, toFloat64(1) AS c FROM (" + joined + ")"
                : "SELECT variant_id, ramp_stage, evaluator_id, sum(score) AS s, toFloat64(count()) AS c FROM (" + joined
                        + ") GROUP BY variant_id, ramp_stage, unit_id, evaluator_id";
        String sql = "SELECT variant_id, ramp_stage, evaluator_id, count(), sum(s), sum(c), sum(s * s), sum(c * c), sum(s * c) FROM ("
                + inner + ") GROUP BY variant_id, ramp_stage, evaluator_id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, plan.experimentId());
            ps.setString(i++, plan.experimentId());
            for (String e : evaluators) {
                ps.setString(i++, e);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String variant = rs.getString(1);
                    int stage = rs.getInt(2);
                    Metric m = new Metric.Score(rs.getString(3));
                    RatioSummary s = new RatioSummary(rs.getLong(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7),
                            rs.getDouble(8), rs.getDouble(9));
                    cells.computeIfAbsent(variant, k -> new LinkedHashMap<>()).computeIfAbsent(stage, k -> new Builder(variant, k))
                            .metrics.put(m, s);
                }
            }
        }
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
