package dev.flywheel.eval.runs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.eval.runs.RunSpec;
import dev.flywheel.eval.runs.RunSummary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs in ClickHouse (migration V030): {@code eval_runs} holds one row per state change (ReplacingMergeTree on
 * revision: running = 1, finished = 2), {@code eval_run_results} one row per (item, repeat, evaluator).
 */
public final class RunStore {
    /** One stored per-item result row. */
    public record ResultRow(int item, int repeat, String evaluatorId, int evaluatorVersion, String status, double score,
                            Boolean passed, String reason, String completion, double generationLatencyMs, long tsMs) {}

    private final ClickHouseConnections connections;
    private final ObjectMapper mapper;

    public RunStore(ClickHouseConnections connections, ObjectMapper mapper) {
        this.connections = connections;
        this.mapper = mapper;
    }

    public void saveRun(RunSummary s, RunSpec spec, int revision, long tsMs) {
        String db = connections.config().database();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + db + ".eval_runs (run_id, revision, ts, ts_ms, dataset_id, "
                     + "variant_name, base_url, model, repeats, status, error, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, s.runId());
            ps.setInt(2, revision);
            ps.setTimestamp(3, new Timestamp(tsMs));
            ps.setLong(4, tsMs);
            ps.setString(5, s.datasetId());
            ps.setString(6, s.variantName());
            ps.setString(7, spec == null ? "" : spec.variant().baseUrl().toString());
            ps.setString(8, s.model());
            ps.setInt(9, s.repeats());
            ps.setString(10, s.status().name().toLowerCase(java.util.Locale.ROOT));
            ps.setString(11, s.error());
            ps.setString(12, mapper.writeValueAsString(s));
            ps.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot store run " + s.runId() + ": " + e.getMessage(), e);
        }
    }

    public void saveResults(String runId, List<ResultRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        String db = connections.config().database();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + db + ".eval_run_results (run_id, item_index, repeat_index, "
                     + "evaluator_id, evaluator_version, ts, ts_ms, status, score, passed, reason, completion, generation_latency_ms) "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (ResultRow r : rows) {
                ps.setString(1, runId);
                ps.setInt(2, r.item());
                ps.setInt(3, r.repeat());
                ps.setString(4, r.evaluatorId());
                ps.setInt(5, r.evaluatorVersion());
                ps.setTimestamp(6, new Timestamp(r.tsMs()));
                ps.setLong(7, r.tsMs());
                ps.setString(8, r.status());
                ps.setDouble(9, Double.isFinite(r.score()) ? r.score() : 0.0);
                if (r.passed() == null) {
                    ps.setNull(10, Types.TINYINT);
                } else {
                    ps.setInt(10, r.passed() ? 1 : 0);
                }
                ps.setString(11, r.reason());
                ps.setString(12, r.completion());
                ps.setDouble(13, r.generationLatencyMs());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store results of run " + runId + ": " + e.getMessage(), e);
        }
    }

    public Optional<RunSummary> loadRun(String runId) {
        String db = connections.config().database();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("SELECT summary FROM " + db + ".eval_runs FINAL WHERE run_id = ?")) {
            ps.setString(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(mapper.readValue(rs.getString(1), RunSummary.class)) : Optional.empty();
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read run " + runId + ": " + e.getMessage(), e);
        }
    }

    /** item index → mean valid score over its repeats, for one evaluator of one run. */
    public Map<Integer, Double> itemScores(String runId, String evaluatorId) {
        String db = connections.config().database();
        Map<Integer, Double> out = new HashMap<>();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("SELECT item_index, avg(score) FROM " + db + ".eval_run_results FINAL "
                     + "WHERE run_id = ? AND evaluator_id = ? AND status = 'ok' GROUP BY item_index")) {
            ps.setString(1, runId);
            ps.setString(2, evaluatorId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getDouble(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read results of run " + runId + ": " + e.getMessage(), e);
        }
        return out;
    }
}
