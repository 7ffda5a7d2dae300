package dev.flywheel.retrain.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.retrain.policy.TrafficFilter;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a snapshot from recent traffic in ClickHouse: successful inference events of the filtered experiments /
 * variants in the window (newest first), their evaluator scores (mean of valid scores per evaluator) and their
 * feedback (mean value), joined on the request id in Java — three plain queries rather than one join, because they
 * run unchanged on ClickHouse 18.16 and current versions. The prompt text is the last user message of the stored
 * prompt; events without captured prompts are skipped. Then {@link Splitter} dedupes, caps and splits.
 */
public final class DatasetBuilder implements DatasetSource {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DatasetBuilder.class);

    private final ClickHouseConnections clickhouse;
    private final ObjectMapper mapper;
    private final Clock clock;

    public DatasetBuilder(ClickHouseConnections clickhouse, ObjectMapper mapper, Clock clock) {
        this.clickhouse = clickhouse;
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public DatasetSnapshot build(TrafficFilter filter) throws SQLException {
        long now = clock.millis();
        long sinceSec = (now - filter.windowHours() * 3_600_000L) / 1000;
        try (Connection c = clickhouse.open()) {
            Map<String, Map<String, Double>> scores = scores(c, sinceSec);
            Map<String, Double> feedback = feedback(c, sinceSec);
            List<DatasetItem> items = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT event_id, prompt, completion, attributes FROM inference_events FINAL"
                    + " WHERE ts >= toDateTime(?) AND status = 'ok'");
            appendIn(sql, "experiment_id", filter.experimentIds().size());
            appendIn(sql, "variant_id", filter.variantIds().size());
            // Several events can share a prompt; read a few times the cap so that dedupe still fills it.
            sql.append(" ORDER BY ts_ms DESC LIMIT ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setLong(i++, sinceSec);
                for (String e : filter.experimentIds()) {
                    ps.setString(i++, e);
                }
                for (String v : filter.variantIds()) {
                    ps.setString(i++, v);
                }
                ps.setLong(i, (long) filter.maxPrompts() * 4);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String requestId = rs.getString(1);
                        String prompt = lastUserMessage(rs.getString(2));
                        if (prompt.isEmpty()) {
                            continue;
                        }
                        items.add(new DatasetItem(requestId, prompt, rs.getString(3), reference(rs.getString(4)),
                                scores.getOrDefault(requestId, Map.of()), feedback.getOrDefault(requestId, Double.NaN)));
                    }
                }
            }
            return Splitter.snapshot(items, filter.maxPrompts(), filter.holdoutPercent(), now);
        }
    }

    private static void appendIn(StringBuilder sql, String column, int n) {
        if (n == 0) {
            return;
        }
        sql.append(" AND ").append(column).append(" IN (").append("?,".repeat(n - 1)).append("?)");
    }

    private static Map<String, Map<String, Double>> scores(Connection c, long sinceSec) throws SQLException {
        Map<String, Map<String, Double>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT request_id, evaluator_id, avg(score) FROM score_events FINAL"
                + " WHERE ts >= toDateTime(?) AND status = 'ok' GROUP BY request_id, evaluator_id")) {
            ps.setLong(1, sinceSec);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getDouble(3));
                }
            }
        }
        return out;
    }

    private static Map<String, Double> feedback(Connection c, long sinceSec) throws SQLException {
        Map<String, Double> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT request_id, avg(assumeNotNull(value)) FROM feedback_events FINAL"
                + " WHERE ts >= toDateTime(?) AND isNotNull(value) GROUP BY request_id")) {
            ps.setLong(1, sinceSec);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getDouble(2));
                }
            }
        }
        return out;
    }

    private String lastUserMessage(String promptJson) {
        try {
            JsonNode arr = mapper.readTree(promptJson == null || promptJson.isEmpty() ? "[]" : promptJson);
            String last = "";
            for (JsonNode m : arr) {
                if ("user".equals(m.path("role").asText())) {
                    last = m.path("content").asText("");
                }
            }
            return last;
        } catch (IOException e) {
            LOG.warn("skipping an inference event whose stored prompt is not a JSON message list: {}", e.getMessage());
            return "";
        }
    }

    private String reference(String attributesJson) {
        try {
            JsonNode n = mapper.readTree(attributesJson == null || attributesJson.isEmpty() ? "{}" : attributesJson);
            return n.hasNonNull("reference") ? n.get("reference").asText() : null;
        } catch (IOException e) {
            LOG.warn("inference event attributes are not a JSON object ({}); no reference taken", e.getMessage());
            return null;
        }
    }
}
