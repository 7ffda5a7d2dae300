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
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads one experiment's aggregates from ClickHouse with SQL that runs on 18.16 and current versions (no window
 * functions, no JSON functions, no DateTime64). First the per-unit rollup is brought up to date ({@link UnitRollup}:
 * only units touched since the last read are recomputed, from deduplicated events, so replays never count twice);
 * then reads of each unit's latest rollup row (one row per unit, not per event):
 * <ol>
 *   <li>latency quantiles per variant, exact over a sample of units ({@link #sampleModulus}; control's become the
 *       latency thresholds), with FINAL restricted to the sample;
 *   <li>per (variant, stage), the sums of each ratio metric's per-unit numerator and denominator, their squares and
 *       cross products — without FINAL over the whole experiment ({@link LatestRows}), falling back to FINAL on a
 *       Distributed rollup or when merges keep replacing the parts being read.
 * </ol>
 * When the unit is a request, the per-request second moments kept in the rollup stand in for the per-unit squares.
 * Shapes: one result row per (variant, stage); columns per metric {Σx, Σx², Σx·y} with y = requests, or
 * {Σx, Σy, Σx², Σy², Σx·y} for thumbs, ratings and scores.
 */
public final class ClickHouseAggregates {
    /**
     * A per-unit value read from a rollup row: its expression, and the expression of Σ over the unit's requests of
     * the per-request value squared (for experiments whose unit is the request; x itself for 0/1 values).
     */
    private record Column(String name, String value, String requestSquares) {
        static Column binary(String name, String value) {
            return new Column(name, value, value);
        }
    }

    private static final List<Column> COLUMNS = List.of(
            Column.binary("n", "toFloat64(requests)"),
            Column.binary("err", "toFloat64(errors)"),
            Column.binary("fb", "toFloat64(fallbacks)"),
            new Column("tok", "tokens", "tokens_sq"),
            new Column("cost", "cost", "cost_sq"),
            Column.binary("l50", "toFloat64(arrayCount(l -> l > ?, latencies))"),
            Column.binary("l95", "toFloat64(arrayCount(l -> l > ?, latencies))"),
            Column.binary("l99", "toFloat64(arrayCount(l -> l > ?, latencies))"),
            new Column("up", "thumbs_up", "thumbs_up_sq"),
            new Column("tn", "thumbs", "thumbs_sq"),
            new Column("rs", "rating_sum", "rating_sum_sq"),
            new Column("rn", "ratings", "ratings_sq"),
            new Column("cv", "conversions", "conversions_sq"));

    /** The rollup columns the sums read, per unit and (with the per-request second moments) per request. */
    private static final List<String> READ = List.of("variant_id", "ramp_stage", "requests", "errors", "fallbacks", "tokens",
            "cost", "latencies", "thumbs_up", "thumbs", "rating_sum", "ratings", "conversions", "score_evaluators", "scores");
    private static final List<String> READ_PER_REQUEST = java.util.stream.Stream.concat(READ.stream(), java.util.stream.Stream.of(
            "tokens_sq", "cost_sq", "thumbs_up_sq", "thumbs_sq", "thumbs_up_x_thumbs", "rating_sum_sq", "ratings_sq",
            "rating_sum_x_ratings", "conversions_sq")).toList();

    private final ClickHouseConnections connections;
    private final java.time.Duration queryTimeout;
    private final boolean readWithFinal;
    private final java.util.random.RandomGenerator random;

    /** @param queryTimeout how long one query may run before the read is abandoned (large experiments take long) */
    public ClickHouseAggregates(ClickHouseConnections connections, java.time.Duration queryTimeout) {
        this(connections, queryTimeout, false, new java.security.SecureRandom());
    }

    /**
     * @param readWithFinal read the rollup with FINAL only (the reference for the default read)
     * @param random        the random part of each rollup refresh's version
     */
    public ClickHouseAggregates(ClickHouseConnections connections, java.time.Duration queryTimeout, boolean readWithFinal,
                                java.util.random.RandomGenerator random) {
        this.connections = connections;
        this.queryTimeout = queryTimeout;
        this.readWithFinal = readWithFinal;
        this.random = random;
    }

    private Connection open() throws SQLException {
        var props = connections.config().jdbcProperties();
        props.setProperty("socket_timeout", Long.toString(queryTimeout.toMillis()));
        return java.sql.DriverManager.getConnection(connections.config().jdbcUrl(), props);
    }

    /**
     * Refreshes the rollup, then reads: control's latency quantiles (the thresholds of the latency metrics) and then
     * the sums on this connection, the treatments' quantiles meanwhile on a second one (FINAL reads run in one
     * ClickHouse thread each, so the two use two cores when they are free).
     */
    public ExperimentData read(AnalysisPlan plan) {
        try (Connection c = open(); ExecutorService side = Executors.newVirtualThreadPerTaskExecutor()) {
            new UnitRollup(db(), dev.flywheel.splitter.stats.StatsEngine.LATE_COMMIT_OVERLAP, random).refresh(c, plan.experimentId());
            Optional<List<LatestRows.Part>> parts = readWithFinal ? Optional.empty() : LatestRows.parts(c, db(), plan.experimentId());
            long[] size = parts.isPresent() ? new long[] {parts.get().stream().mapToLong(LatestRows.Part::rows).sum(),
                    parts.get().stream().mapToLong(LatestRows.Part::requests).sum()} : size(c, plan);
            long modulus = sampleModulus(size[0], size[1]);
            Future<Map<String, Map<Double, Double>>> treatments = side.submit(() -> {
                try (Connection c2 = open()) {
                    return quantiles(c2, plan, plan.treatmentVariantIds(), modulus);
                }
            });
            try {
                Map<String, Map<Double, Double>> quantiles = new HashMap<>(quantiles(c, plan, List.of(plan.controlVariantId()), modulus));
                Map<Double, Double> control = quantiles.getOrDefault(plan.controlVariantId(), Map.of());
                List<ArmStageData> sums = sums(c, plan, control, parts);
                quantiles.putAll(await(treatments));
                return new ExperimentData(plan.experimentId(), sums, quantiles);
            } finally {
                // A no-op once it is done; when a read above failed, closing the executor would otherwise wait for the
                // treatments' query (up to the query timeout). Interrupting a virtual thread closes its socket.
                treatments.cancel(true);
            }
        } catch (SQLException e) {
            throw failure(plan, e);
        }
    }

    /** The quantile sample keeps at least this many units (all of them below twice this)… */
    static final long QUANTILE_SAMPLE_UNITS = 50_000;
    /** …and at least this many latencies… */
    static final long QUANTILE_SAMPLE_LATENCIES = 500_000;
    /** …but at most about this many (exact quantiles hold them all: 8 bytes each, per variant at worst). */
    static final long QUANTILE_SAMPLE_MAX_LATENCIES = 16_000_000;

    /**
     * 1 in how many units (by unit-id hash) the latency quantiles read, from the rollup's {@code rows} (one per unit
     * and stage) and {@code requests} (latencies), duplicates included: the largest power of two that leaves
     * {@link #QUANTILE_SAMPLE_UNITS} units and {@link #QUANTILE_SAMPLE_LATENCIES} latencies, raised until at most
     * {@link #QUANTILE_SAMPLE_MAX_LATENCIES} remain. A power of two, so that it changes rarely as an experiment grows.
     */
    static long sampleModulus(long rows, long requests) {
        long k = 1;
        while (rows / (2 * k) >= QUANTILE_SAMPLE_UNITS && requests / (2 * k) >= QUANTILE_SAMPLE_LATENCIES) {
            k *= 2;
        }
        while (requests / k > QUANTILE_SAMPLE_MAX_LATENCIES) {
            k *= 2;
        }
        return k;
    }

    /** {rows, Σ requests} of the experiment's rollup, duplicates included. */
    private long[] size(Connection c, AnalysisPlan plan) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(), sum(requests) FROM " + db() + ".stats_unit_rollup WHERE experiment_id = ?")) {
            ps.setString(1, plan.experimentId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    private <T> T await(Future<T> f) throws SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while reading latency quantiles", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException s ? s : new SQLException(e.getCause());
        }
    }

    private StatsUnavailableException failure(AnalysisPlan plan, SQLException e) {
        return new StatsUnavailableException(plan.experimentId(), "ClickHouse query failed at "
                + connections.config().httpUrl() + ": " + e.getMessage(), e);
    }

    private String db() {
        return connections.config().database();
    }

    /**
     * Latency quantiles of {@code variants}: exact quantiles over every latency of the units whose id hash is 0
     * modulo {@code modulus} (all units when 1; see {@link #sampleModulus}). Exact and
     * order-free, so a function of the units' latest rows alone, whatever the parts: a replay changes nothing. FINAL
     * dedups; the sample condition is on the key, so as PREWHERE it is exact before the merge and FINAL merges only
     * the sampled units' rows.
     */
    private Map<String, Map<Double, Double>> quantiles(Connection c, AnalysisPlan plan, List<String> variants, long modulus)
            throws SQLException {
        if (variants.isEmpty()) {
            return Map.of();
        }
        String sql = "SELECT variant_id, q[1], q[2], q[3] FROM (SELECT variant_id, quantilesExactArray(0.5, 0.95, 0.99)(latencies) AS q FROM "
                + db() + ".stats_unit_rollup FINAL PREWHERE experiment_id = ? AND variant_id IN ("
                + String.join(", ", java.util.Collections.nCopies(variants.size(), "?")) + ") AND cityHash64(unit_id) % "
                + modulus + " = 0 GROUP BY variant_id)";
        Map<String, Map<Double, Double>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, plan.experimentId());
            for (int i = 0; i < variants.size(); i++) {
                ps.setString(i + 2, variants.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), Map.of(0.5, rs.getDouble(2), 0.95, rs.getDouble(3), 0.99, rs.getDouble(4)));
                }
            }
        }
        return out;
    }

    /**
     * The per (variant, stage) sums over each unit's latest rollup row: read without FINAL over everything where the
     * rollup is a local MergeTree table ({@link LatestRows}), again if a merge replaced a part meanwhile, else (or
     * when {@code readWithFinal}) with FINAL — the reference the fast read is tested against.
     */
    private List<ArmStageData> sums(Connection c, AnalysisPlan plan, Map<Double, Double> controlQuantiles,
                                    Optional<List<LatestRows.Part>> parts) throws SQLException {
        for (int attempt = 0; attempt < 2 && parts.isPresent(); attempt++) {
            if (attempt > 0) {
                parts = LatestRows.parts(c, db(), plan.experimentId());
            }
            var rows = LatestRows.choose(parts.get());
            if (rows.isEmpty()) {
                return List.of();
            }
            List<ArmStageData> out = readJoined(c, plan, controlQuantiles, rows);
            if (rows.get().stillActive(c, db())) {
                return out;
            }
        }
        return readJoined(c, plan, controlQuantiles, Optional.empty());
    }

    /** Reads the sums from {@code rows}, or with FINAL when empty. */
    private List<ArmStageData> readJoined(Connection c, AnalysisPlan plan, Map<Double, Double> controlQuantiles,
                                          Optional<LatestRows> rows) throws SQLException {
        Map<String, Map<Integer, Builder>> cells = new LinkedHashMap<>();
        boolean perRequest = plan.unit() == Unit.REQUEST;
        List<String> evaluators = plan.evaluatorIds();
        List<Column> columns = new ArrayList<>(COLUMNS);
        for (int i = 0; i < evaluators.size(); i++) {
            String pick = "arrayMap((e, s) -> if(e = ?, s, toFloat64(0)), score_evaluators, scores)";
            columns.add(new Column("s" + i, "arraySum(" + pick + ")", "arraySum(arrayMap(s -> s * s, " + pick + "))"));
            columns.add(Column.binary("c" + i, "toFloat64(arrayCount(e -> e = ?, score_evaluators))"));
        }
        StringBuilder inner = new StringBuilder("SELECT variant_id, ramp_stage");
        for (Column col : columns) {
            inner.append(", ").append(col.value()).append(" AS ").append(col.name());
            if (perRequest) {
                inner.append(", ").append(col.requestSquares()).append(" AS ").append(col.name()).append("_sq");
            }
        }
        if (perRequest) {
            inner.append(", thumbs_up_x_thumbs AS up_x_tn, rating_sum_x_ratings AS rs_x_rn");
        }
        String read = String.join(", ", perRequest ? READ_PER_REQUEST : READ);
        inner.append(" FROM (").append(rows.map(r -> r.from(db(), read))
                .orElse("SELECT " + read + " FROM " + db() + ".stats_unit_rollup FINAL WHERE experiment_id = ?")).append(')');
        // Per unit: Σx, Σx², Σx·n. Per request (n = 1 each): Σx, Σ per-request x², Σx.
        StringBuilder outer = new StringBuilder("SELECT variant_id, ramp_stage, ").append(perRequest ? "toUInt64(sum(n))" : "count()").append(" AS units");
        for (Column col : columns) {
            String x = col.name();
            if (perRequest) {
                outer.append(", sum(").append(x).append("), sum(").append(x).append("_sq), sum(").append(x).append(')');
            } else {
                outer.append(", sum(").append(x).append("), sum(").append(x).append(" * ").append(x).append("), sum(")
                        .append(x).append(" * n)");
            }
        }
        outer.append(perRequest ? ", sum(up_x_tn), sum(rs_x_rn)" : ", sum(up * tn), sum(rs * rn)");
        for (int i = 0; i < evaluators.size(); i++) {
            // Each request has at most one latest score per evaluator, so per request s·c = s.
            outer.append(perRequest ? ", sum(s" + i + ")" : ", sum(s" + i + " * c" + i + ')');
        }
        outer.append(" FROM (").append(inner).append(") GROUP BY variant_id, ramp_stage");
        try (PreparedStatement ps = c.prepareStatement(outer.toString())) {
            int i = 1;
            // Parameter order follows the text: each latency threshold (twice per request: value and square), then per
            // evaluator its id for the score and the count (the score's id twice more per request), then the experiment.
            for (double q : new double[] {0.5, 0.95, 0.99}) {
                double threshold = controlQuantiles.getOrDefault(q, Double.MAX_VALUE);
                ps.setDouble(i++, threshold);
                if (perRequest) {
                    ps.setDouble(i++, threshold);
                }
            }
            for (String e : evaluators) {
                ps.setString(i++, e);
                if (perRequest) {
                    ps.setString(i++, e);
                }
                ps.setString(i++, e);
                if (perRequest) {
                    ps.setString(i++, e);
                }
            }
            for (int k = rows.map(LatestRows::parameters).orElse(1); k > 0; k--) {
                ps.setString(i++, plan.experimentId());
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
        List<ArmStageData> out = new ArrayList<>();
        cells.values().forEach(m -> m.values().forEach(b -> out.add(b.build())));
        return out;
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
