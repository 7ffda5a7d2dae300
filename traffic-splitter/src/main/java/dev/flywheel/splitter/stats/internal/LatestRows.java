package dev.flywheel.splitter.stats.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads each unit's latest rollup row exactly once without {@code FINAL} over the whole experiment (on 18.16 FINAL
 * merges every row in one thread: ~1–2 µs per row and column read, most of a computation at 1 M units).
 *
 * <p>Why it is exact: every part of {@code stats_unit_rollup} holds each key (variant, stage, unit) at most once — a
 * refresh INSERTs one row per key, and merges keep one row per key. Rows of one version also hold each key at most
 * once, since a version belongs to one refresh ({@link UnitRollup}). So the {@code base} parts — the experiment's
 * largest part, or all its single-version parts of one version if they hold more rows — are duplicate-free
 * together, and a key can only have an older or newer row elsewhere if it has a row in a {@code delta} part (any
 * other part). The read is: base rows whose unit is not among the delta rows' units, plus FINAL over the rows whose
 * unit is among them (PREWHERE on the unit, so FINAL merges only those units' rows; a key's rows all pass or all
 * fail, so filtering before the merge is exact). Each key falls in exactly one branch, decided by its unit, so a
 * unit's other keys (another stage) only go through FINAL too. By unit rather than by (variant, stage, unit): on
 * 18.16 a set of strings is ~4× cheaper to probe than cityHash64 of the three columns is to compute.
 *
 * <p>Parts are immutable and a part that stopped being active never is again, so when every part named here is
 * still active after the reads ({@link #stillActive}), every read saw exactly these parts' rows; rows inserted since
 * are either newer versions of delta keys (FINAL picks them up) or ignored as not yet there. Otherwise the caller
 * reads again or falls back to FINAL.
 *
 * @param base  parts read as they are (duplicate-free together), never empty
 * @param delta the experiment's other parts
 */
record LatestRows(List<String> base, List<String> delta) {
    private static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    LatestRows {
        base = List.copyOf(base);
        delta = List.copyOf(delta);
        if (base.isEmpty()) {
            throw new IllegalArgumentException("base must name at least one part");
        }
        for (String part : concat(base, delta)) {
            if (!PART_NAME.matcher(part).matches()) {
                throw new IllegalArgumentException("base/delta: not a part name: " + part);
            }
        }
    }

    /** A part's share of the experiment's rows: the part's name, the rows, their Σ requests and their range of versions. */
    record Part(String name, long rows, long requests, long minVersion, long maxVersion) {}

    /**
     * Chooses the base among the experiment's parts: the largest part alone, or the single-version parts of one
     * version together, whichever holds more rows. Empty when the experiment has no rows.
     */
    static Optional<LatestRows> choose(List<Part> parts) {
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        List<String> best = List.of();
        long bestRows = -1;
        for (Part p : parts) {
            if (p.rows() > bestRows) {
                best = List.of(p.name());
                bestRows = p.rows();
            }
        }
        Map<Long, List<String>> byVersion = new HashMap<>();
        Map<Long, Long> rowsByVersion = new HashMap<>();
        for (Part p : parts) {
            if (p.minVersion() == p.maxVersion()) {
                byVersion.computeIfAbsent(p.minVersion(), v -> new ArrayList<>()).add(p.name());
                rowsByVersion.merge(p.minVersion(), p.rows(), Long::sum);
            }
        }
        for (var e : rowsByVersion.entrySet()) {
            if (e.getValue() > bestRows) {
                best = byVersion.get(e.getKey());
                bestRows = e.getValue();
            }
        }
        List<String> base = best;
        List<String> delta = parts.stream().map(Part::name).filter(n -> !base.contains(n)).toList();
        return Optional.of(new LatestRows(base, delta));
    }

    /** The experiment's parts now, by a read of its version and requests columns; empty when the rollup is not a local MergeTree table. */
    static Optional<List<Part>> parts(Connection c, String db, String experimentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT engine FROM system.tables WHERE database = ? AND name = 'stats_unit_rollup'")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                // A Distributed table (cluster deployment) has no _part; read it with FINAL.
                if (!rs.next() || !rs.getString(1).endsWith("MergeTree")) {
                    return Optional.empty();
                }
            }
        }
        List<Part> parts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT _part, count(), sum(requests), min(version), max(version) FROM " + db
                + ".stats_unit_rollup WHERE experiment_id = ? GROUP BY _part")) {
            ps.setString(1, experimentId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(new Part(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        return Optional.of(parts);
    }

    /**
     * A subquery yielding {@code columns} of each key's latest row; each {@code ?} in it is the experiment id
     * ({@link #parameters} of them).
     */
    String from(String db, String columns) {
        String table = db + ".stats_unit_rollup";
        String baseRows = "SELECT " + columns + " FROM " + table + " WHERE experiment_id = ? AND _part IN (" + quoted(base) + ")";
        if (delta.isEmpty()) {
            return baseRows;
        }
        String deltaUnits = "(SELECT unit_id FROM " + table + " WHERE experiment_id = ? AND _part IN (" + quoted(delta) + "))";
        return baseRows + " AND unit_id NOT IN " + deltaUnits
                + " UNION ALL SELECT " + columns + " FROM " + table + " FINAL PREWHERE experiment_id = ? AND unit_id IN " + deltaUnits;
    }

    /** How many {@code ?} (the experiment id) {@link #from} has. */
    int parameters() {
        return delta.isEmpty() ? 1 : 4;
    }

    /** Whether every part named here is still active: then every read since {@link #parts} saw exactly them. */
    boolean stillActive(Connection c, String db) throws SQLException {
        List<String> all = concat(base, delta);
        try (PreparedStatement ps = c.prepareStatement("SELECT count() FROM system.parts WHERE database = ? AND table = 'stats_unit_rollup' "
                + "AND active AND name IN (" + quoted(all) + ")")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == all.size();
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
    }
}
