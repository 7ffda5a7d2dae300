package dev.flywheel.dashboards.grafana;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs dashboard queries the way Grafana plus the ClickHouse plugin would, against a real ClickHouse:
 * template variables first ({@link TemplateVariables}), then the plugin's macros ({@link PluginMacros}), then the
 * shipped database name is pointed at the test's database: {@code flywheel.<table>} becomes {@code <db>.<table>} and
 * the literal {@code 'flywheel'} (as in {@code system.parts WHERE database = 'flywheel'}) becomes {@code '<db>'}.
 */
public final class DatasourceEmulator {
    /** The database name the dashboards are written for (infra/README.md says how to deploy with another). */
    public static final String SHIPPED_DATABASE = "flywheel";
    private static final Pattern QUALIFIED = Pattern.compile("\\b" + SHIPPED_DATABASE + "\\.");
    private static final Pattern LITERAL = Pattern.compile("'" + SHIPPED_DATABASE + "'");

    private final ClickHouseConnections connections;
    private final PluginMacros macros;

    public DatasourceEmulator(ClickHouseConnections connections, PluginMacros macros) {
        this.connections = connections;
        this.macros = macros;
    }

    /** The SQL ClickHouse receives for {@code rawSql} with these variable values. */
    public String interpolate(String rawSql, TemplateVariables variables) {
        String sql = macros.expand(variables.substitute(rawSql));
        String db = connections.config().database();
        sql = QUALIFIED.matcher(sql).replaceAll(Matcher.quoteReplacement(db + "."));
        return LITERAL.matcher(sql).replaceAll(Matcher.quoteReplacement("'" + db + "'"));
    }

    public QueryResult run(String rawSql, TemplateVariables variables) {
        String sql = interpolate(rawSql, variables);
        try (Connection c = connections.open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
                types.add(meta.getColumnTypeName(i));
            }
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return new QueryResult(columns, types, rows);
        } catch (SQLException e) {
            throw new IllegalStateException("ClickHouse rejected the query (" + e.getMessage() + "):\n" + sql, e);
        }
    }

    /**
     * Resolves a dashboard's variables in the order listed (a later variable's query may use an earlier one), as
     * Grafana does on load: a single-value variable takes the first value its query returns, a multi-value or
     * "All" variable takes every value.
     */
    public TemplateVariables resolveVariables(Dashboard dashboard) {
        TemplateVariables variables = new TemplateVariables();
        for (Dashboard.Variable v : dashboard.variables()) {
            if (v.sql() == null) {
                throw new IllegalArgumentException(dashboard + ": variable '" + v.name() + "' is of type '" + v.type()
                        + "'; the dashboards use query variables only");
            }
            QueryResult result = run(v.sql(), variables);
            List<String> values = new ArrayList<>();
            for (Object value : result.values(result.columns().getFirst())) {
                values.add(String.valueOf(value));
            }
            if (values.isEmpty()) {
                throw new IllegalStateException(dashboard + ": variable '" + v.name() + "' has no values over the seeded data");
            }
            variables.with(v.name(), v.multi() || v.includeAll() ? values : List.of(values.getFirst()));
        }
        return variables;
    }
}
