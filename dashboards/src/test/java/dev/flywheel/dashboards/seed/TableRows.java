package dev.flywheel.dashboards.seed;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows for one table, inserted in one parameterised JDBC batch. Values: String, Long, Integer, Double,
 * {@link Instant} (a DateTime column, sent as a timestamp so the server's time zone cannot shift it) and null (a
 * Nullable column).
 */
final class TableRows {
    private final String table;
    private final List<String> columns;
    private final List<Object[]> rows = new ArrayList<>();

    TableRows(String table, List<String> columns) {
        this.table = table;
        this.columns = List.copyOf(columns);
    }

    void add(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(table + " row has " + values.length + " values, expected " + columns.size() + " " + columns);
        }
        rows.add(values.clone());
    }

    int size() {
        return rows.size();
    }

    /** Inserts every row added so far and forgets them only once ClickHouse acknowledged the batch. */
    void insertInto(ClickHouseConnections connections) {
        if (rows.isEmpty()) {
            return;
        }
        String sql = "INSERT INTO " + connections.config().database() + "." + table + " (" + String.join(", ", columns)
                + ") VALUES (" + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
        try (Connection c = connections.open(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    bind(ps, i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot seed " + table + " (" + rows.size() + " rows): " + e.getMessage(), e);
        }
        rows.clear();
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        switch (value) {
            case null -> ps.setNull(index, Types.DOUBLE);
            case String s -> ps.setString(index, s);
            case Long l -> ps.setLong(index, l);
            case Integer i -> ps.setInt(index, i);
            case Double d -> ps.setDouble(index, d);
            case Instant t -> ps.setTimestamp(index, Timestamp.from(t));
            default -> throw new IllegalArgumentException("unsupported seed value type " + value.getClass().getName());
        }
    }
}
