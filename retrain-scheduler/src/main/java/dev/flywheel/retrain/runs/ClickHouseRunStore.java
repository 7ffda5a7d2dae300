package dev.flywheel.retrain.runs;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Run state in ClickHouse {@code training_runs} (V002): one row per version; readers take the highest version per
 * run with argMax, which ClickHouse 18.16 and current versions both have. Rows are never updated in place, so a
 * crash between two saves leaves the last complete version.
 */
public final class ClickHouseRunStore implements RunStore {
    private final ClickHouseConnections clickhouse;
    private final RunJson json;

    public ClickHouseRunStore(ClickHouseConnections clickhouse, RunJson json) {
        this.clickhouse = clickhouse;
        this.json = json;
    }

    @Override
    public void save(RunRecord r) {
        try (Connection c = clickhouse.open(); PreparedStatement ps = c.prepareStatement("INSERT INTO training_runs"
                + " (run_id, version, ts, ts_ms, policy_id, base_model, parent_adapter, status, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, r.runId());
            ps.setLong(2, r.version());
            ps.setTimestamp(3, new java.sql.Timestamp(r.updatedAtMs()));
            ps.setLong(4, r.updatedAtMs());
            ps.setString(5, r.policyId());
            ps.setString(6, r.baseModel());
            ps.setString(7, r.parentAdapter());
            ps.setString(8, r.status().name().toLowerCase(java.util.Locale.ROOT));
            ps.setString(9, json.encode(r));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new RunStoreException("cannot save run " + r.runId() + " version " + r.version() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<RunRecord> get(String runId) {
        return query("SELECT argMax(record, version) FROM training_runs WHERE run_id = ? GROUP BY run_id", runId).stream().findFirst();
    }

    @Override
    public List<RunRecord> list() {
        List<RunRecord> out = new ArrayList<>(query("SELECT argMax(record, version) FROM training_runs GROUP BY run_id", null));
        out.sort(Comparator.comparingLong(RunRecord::createdAtMs).reversed());
        return out;
    }

    private List<RunRecord> query(String sql, String param) {
        try (Connection c = clickhouse.open(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            List<RunRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(json.decode(rs.getString(1)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new RunStoreException("cannot read training_runs: " + e.getMessage(), e);
        }
    }
}
