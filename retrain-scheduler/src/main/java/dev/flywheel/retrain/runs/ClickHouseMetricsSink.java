package dev.flywheel.retrain.runs;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;

/**
 * One batch INSERT into {@code training_metrics} per step (rows: run_id, step, metric, value). Non-finite values are
 * skipped (ClickHouse would store them, but dashboards cannot plot them). A failed write throws
 * {@link RunStoreException}: the trainer's step then fails the run rather than training on without its curve.
 */
public final class ClickHouseMetricsSink implements MetricsSink {
    private final ClickHouseConnections clickhouse;
    private final Clock clock;

    public ClickHouseMetricsSink(ClickHouseConnections clickhouse, Clock clock) {
        this.clickhouse = clickhouse;
        this.clock = clock;
    }

    @Override
    public void write(String runId, int step, Map<String, Double> values) {
        long now = clock.millis();
        try (Connection c = clickhouse.open(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO training_metrics (run_id, step, metric, value, ts, ts_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, Double> e : values.entrySet()) {
                if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                    continue;
                }
                ps.setString(1, runId);
                ps.setLong(2, step);
                ps.setString(3, e.getKey());
                ps.setDouble(4, e.getValue());
                ps.setTimestamp(5, new java.sql.Timestamp(now));
                ps.setLong(6, now);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new RunStoreException("cannot write training metrics of run " + runId + " step " + step + ": " + e.getMessage(), e);
        }
    }
}
