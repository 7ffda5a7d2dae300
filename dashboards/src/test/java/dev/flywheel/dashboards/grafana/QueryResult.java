package dev.flywheel.dashboards.grafana;

import java.util.ArrayList;
import java.util.List;

/**
 * What ClickHouse answered to one query: column labels, their ClickHouse type names ({@code DateTime},
 * {@code Nullable(Float64)}, …) and the rows as JDBC objects.
 */
public record QueryResult(List<String> columns, List<String> types, List<List<Object>> rows) {
    public QueryResult {
        columns = List.copyOf(columns);
        types = List.copyOf(types);
        rows = List.copyOf(rows);
    }

    public int column(String name) {
        int i = columns.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no column '" + name + "' in " + columns);
        }
        return i;
    }

    /** The values of one column, in row order. */
    public List<Object> values(String name) {
        int i = column(name);
        List<Object> out = new ArrayList<>();
        for (List<Object> row : rows) {
            out.add(row.get(i));
        }
        return out;
    }
}
