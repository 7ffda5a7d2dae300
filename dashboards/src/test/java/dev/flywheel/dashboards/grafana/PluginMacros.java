package dev.flywheel.dashboards.grafana;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands the ClickHouse plugin's macros the way grafana-clickhouse-datasource v4 does on its backend
 * ({@code pkg/macros/macros.go}), for the macros Flywheel's dashboards may use:
 * <pre>
 *   $__timeFilter(col)  → col &gt;= toDateTime(FROM) AND col &lt;= toDateTime(TO)      FROM/TO: epoch seconds
 *   $__fromTime         → toDateTime(FROM)
 *   $__toTime           → toDateTime(TO)
 *   $__interval_s       → the panel's interval in whole seconds, at least 1
 * </pre>
 * Any other {@code $__name} is an error: the plugin's remaining time macros ({@code $__timeInterval},
 * {@code $__timeFilter_ms}, …) expand to {@code toStartOfInterval} or {@code DateTime64}, which ClickHouse 18.16
 * lacks, so the dashboards must not use them. {@code from} and {@code to} are the dashboard's time range.
 */
public record PluginMacros(Instant from, Instant to, long intervalSeconds) {
    private static final Pattern TIME_FILTER = Pattern.compile("\\$__timeFilter\\(\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*\\)");
    private static final Pattern ANY_MACRO = Pattern.compile("\\$__[A-Za-z_]+");

    public PluginMacros {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (!to.isAfter(from)) {
            throw new IllegalArgumentException("time range 'to' must be after 'from', got from=" + from + " to=" + to);
        }
        if (intervalSeconds < 1) {
            throw new IllegalArgumentException("intervalSeconds must be >= 1 (the plugin never expands below 1), got " + intervalSeconds);
        }
    }

    public String expand(String sql) {
        String fromTime = "toDateTime(" + from.getEpochSecond() + ")";
        String toTime = "toDateTime(" + to.getEpochSecond() + ")";
        Matcher m = TIME_FILTER.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String column = m.group(1);
            m.appendReplacement(out, Matcher.quoteReplacement(column + " >= " + fromTime + " AND " + column + " <= " + toTime));
        }
        m.appendTail(out);
        // \b keeps $__fromTime from matching the start of $__fromTime_ms, which must stay an error.
        String expanded = out.toString()
                .replaceAll("\\$__fromTime\\b", fromTime)
                .replaceAll("\\$__toTime\\b", toTime)
                .replaceAll("\\$__interval_s\\b", Long.toString(intervalSeconds));
        Matcher left = ANY_MACRO.matcher(expanded);
        if (left.find()) {
            throw new IllegalArgumentException("unsupported macro " + left.group() + " (only $__timeFilter(col), $__fromTime, "
                    + "$__toTime and $__interval_s run on ClickHouse 18.16) in: " + sql);
        }
        return expanded;
    }
}
