package dev.flywheel.dashboards.grafana;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Substitutes dashboard template variables the way Grafana does before a query reaches the datasource:
 * {@code ${name}}, {@code ${name:format}} and {@code $name}. Formats (Grafana's names):
 * <ul>
 *   <li>{@code sqlstring}: every value quoted with ' and inner ' doubled, joined by commas: {@code 'a','it''s'}
 *       (what the dashboards use: safe for any id, single or multi-valued);
 *   <li>{@code singlequote}: quoted with ' and inner ' escaped as \', joined by commas;
 *   <li>{@code csv} and {@code raw}, and no format: the values joined by commas, unquoted.
 * </ul>
 * A name that is not a known variable (and not a plugin macro {@code $__…}) is an error, so a dashboard cannot
 * ship a query that refers to a variable it lacks. Values are the chosen ones: one for a single-value variable,
 * all of them for "All".
 */
public final class TemplateVariables {
    /** One pass over both spellings, so that a substituted value is never scanned again. */
    private static final Pattern REFERENCE = Pattern.compile(
            "\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?}|\\$(?!__)([A-Za-z_][A-Za-z0-9_]*)");

    private final Map<String, List<String>> values = new LinkedHashMap<>();

    /** Adds (or replaces) a variable with its selected values; at least one value. */
    public TemplateVariables with(String name, List<String> selected) {
        if (selected == null || selected.isEmpty()) {
            throw new IllegalArgumentException("variable '" + name + "' needs at least one selected value");
        }
        values.put(name, List.copyOf(selected));
        return this;
    }

    public Map<String, List<String>> values() {
        return Map.copyOf(values);
    }

    public String substitute(String sql) {
        Matcher m = REFERENCE.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = m.group(1) != null ? format(m.group(1), m.group(2), sql) : format(m.group(3), null, sql);
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String format(String name, String format, String sql) {
        List<String> selected = values.get(name);
        if (selected == null) {
            throw new IllegalArgumentException("query refers to variable '" + name + "', which the dashboard does not "
                    + "define (known: " + values.keySet() + "): " + sql);
        }
        String f = format == null ? "raw" : format;
        return switch (f) {
            case "sqlstring" -> selected.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(","));
            case "singlequote" -> selected.stream().map(v -> "'" + v.replace("'", "\\'") + "'").collect(Collectors.joining(","));
            case "csv", "raw" -> String.join(",", selected);
            default -> throw new IllegalArgumentException("variable format '" + f + "' of ${" + name + "} is not one the "
                    + "dashboards may use (sqlstring, singlequote, csv, raw): " + sql);
        };
    }
}
