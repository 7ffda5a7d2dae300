package dev.flywheel.dashboards.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One SQL query a dashboard sends to ClickHouse, before variables and macros are substituted.
 *
 * @param dashboardUid the dashboard it belongs to
 * @param kind         what Grafana does with the result (which shape it needs)
 * @param name         where it sits: a panel's title, a variable's name or an annotation's name; unique within a
 *                     dashboard and kind, and the key of its expected columns
 * @param rawSql       the query text as stored in the dashboard JSON
 * @param datasource   the datasource reference ({@code {"type": …, "uid": …}}) the query is sent to
 */
public record DashboardQuery(String dashboardUid, Kind kind, String name, String rawSql, JsonNode datasource) {

    public enum Kind {
        /** A panel target with format table (1). */
        TABLE,
        /** A panel target with format time series (0): needs a DateTime column named {@code time}, sorted by it. */
        TIME_SERIES,
        /** A template variable's query: its first column gives the values. */
        VARIABLE,
        /** An annotation query: needs {@code time} and {@code text}. */
        ANNOTATION
    }

    public DashboardQuery {
        Objects.requireNonNull(kind, "kind");
        if (rawSql == null || rawSql.isBlank()) {
            throw new IllegalArgumentException(dashboardUid + ": " + kind + " '" + name + "' has no rawSql");
        }
    }

    /** The key of this query in expected-columns.json: {@code "<kind> <name>"}, e.g. {@code "VARIABLE experiment"}. */
    public String key() {
        return kind + " " + name;
    }

    @Override
    public String toString() {
        return dashboardUid + " / " + key();
    }
}
