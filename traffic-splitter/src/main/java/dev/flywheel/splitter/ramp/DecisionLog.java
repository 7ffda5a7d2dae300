package dev.flywheel.splitter.ramp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.events.EventCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit trail of ramp decisions in ClickHouse {@code ramp_decisions} (schema V002): one row per decision, reasons
 * as a JSON array and numbers as a JSON object. Rows are keyed by a stable decision id, so writing the same decision
 * twice (a replayed tick) leaves one row after FINAL.
 */
public final class DecisionLog {
    private static final TypeReference<List<String>> REASONS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Object>> NUMBERS = new TypeReference<>() {};

    private final ClickHouseConnections connections;
    private final ObjectMapper mapper = EventCodec.newMapper();

    public DecisionLog(ClickHouseConnections connections) {
        this.connections = connections;
    }

    /** @throws DecisionLogException (retriable) when ClickHouse does not take the row */
    public void write(RampDecision d) {
        String sql = "INSERT INTO " + connections.config().database() + ".ramp_decisions (decision_id, ts, ts_ms, experiment_id, "
                + "decision, stage_from, stage_to, traffic_percent, manual, actor, reasons, numbers) "
                + "VALUES (?, toDateTime(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        Map<String, Object> numbers = new LinkedHashMap<>(d.numbers());
        numbers.put("experiment_version", d.experimentVersion());
        if (!d.promotedVariantId().isEmpty()) {
            numbers.put("promoted_variant_id", d.promotedVariantId());
        }
        try (Connection c = connections.open(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, d.decisionId());
            ps.setLong(2, d.tsMs() / 1000);
            ps.setLong(3, d.tsMs());
            ps.setString(4, d.experimentId());
            ps.setString(5, d.kind().wire());
            ps.setInt(6, d.stageFrom());
            ps.setInt(7, d.stageTo());
            ps.setDouble(8, d.trafficPercent());
            ps.setInt(9, d.manual() ? 1 : 0);
            ps.setString(10, d.actor());
            ps.setString(11, mapper.writeValueAsString(d.reasons()));
            ps.setString(12, mapper.writeValueAsString(numbers));
            ps.executeUpdate();
        } catch (SQLException | JsonProcessingException e) {
            throw new DecisionLogException("could not record " + d.kind().wire() + " decision " + d.decisionId()
                    + " of experiment '" + d.experimentId() + "': " + e.getMessage(), e);
        }
    }

    /** The latest {@code limit} decisions of an experiment, newest first. */
    public List<RampDecision> read(String experimentId, int limit) {
        String sql = "SELECT decision_id, ts_ms, experiment_id, decision, stage_from, stage_to, traffic_percent, manual, actor, "
                + "reasons, numbers FROM " + connections.config().database() + ".ramp_decisions FINAL WHERE experiment_id = ? "
                + "ORDER BY ts_ms DESC, decision_id LIMIT ?";
        List<RampDecision> out = new ArrayList<>();
        try (Connection c = connections.open(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, experimentId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> numbers = mapper.readValue(rs.getString(11), NUMBERS);
                    Object version = numbers.getOrDefault("experiment_version", 0);
                    Object promoted = numbers.getOrDefault("promoted_variant_id", "");
                    out.add(new RampDecision(rs.getString(1), rs.getLong(2), rs.getString(3),
                            version instanceof Number n ? n.longValue() : 0, DecisionKind.parse("decision", rs.getString(4)),
                            rs.getInt(5), rs.getInt(6), rs.getDouble(7), rs.getInt(8) == 1, rs.getString(9),
                            mapper.readValue(rs.getString(10), REASONS), numbers, String.valueOf(promoted)));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new DecisionLogException("could not read decisions of experiment '" + experimentId + "': " + e.getMessage(), e);
        }
        return out;
    }

    /** ClickHouse did not take or give decision rows. Retriable. */
    public static final class DecisionLogException extends RuntimeException {
        public DecisionLogException(String message, Throwable cause) {
            super(message, cause);
        }

        public boolean retriable() {
            return true;
        }
    }
}
