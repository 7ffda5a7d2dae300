package dev.flywheel.dashboards.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Grafana dashboard JSON file as shipped under {@code dashboards/grafana/dashboards}: the parts the tests read
 * (uid, title, schema version, template variables, panels including those nested in rows, annotations).
 */
public record Dashboard(Path file, JsonNode json) {

    /** A template variable: its name, whether several values may be chosen, and its query (null unless type query). */
    public record Variable(String name, String type, boolean multi, boolean includeAll, String sql, JsonNode datasource) {}

    public static Dashboard read(Path file) {
        try {
            return new Dashboard(file, new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse dashboard " + file, e);
        }
    }

    /** Every {@code *.json} file in {@code dir}, sorted by file name. */
    public static List<Dashboard> readAll(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().map(Dashboard::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list dashboards in " + dir, e);
        }
    }

    public String uid() {
        return json.path("uid").asText("");
    }

    public String title() {
        return json.path("title").asText("");
    }

    public int schemaVersion() {
        return json.path("schemaVersion").asInt(0);
    }

    public List<Variable> variables() {
        List<Variable> out = new ArrayList<>();
        for (JsonNode v : json.path("templating").path("list")) {
            JsonNode query = v.path("query");
            // The plugin's variable editor stores the SQL as a string; older versions as {"rawSql": …}.
            String sql = query.isTextual() ? query.asText() : query.path("rawSql").asText(null);
            out.add(new Variable(v.path("name").asText(""), v.path("type").asText(""), v.path("multi").asBoolean(false),
                    v.path("includeAll").asBoolean(false), "query".equals(v.path("type").asText()) ? sql : null,
                    v.path("datasource")));
        }
        return out;
    }

    /** Panels in layout order, with the panels collapsed inside rows flattened in after their row. */
    public List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : json.path("panels")) {
            out.add(p);
            for (JsonNode nested : p.path("panels")) {
                out.add(nested);
            }
        }
        return out;
    }

    /** Annotation definitions other than Grafana's built-in one. */
    public List<JsonNode> annotations() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : json.path("annotations").path("list")) {
            if (!a.path("builtIn").asBoolean(false)) {
                out.add(a);
            }
        }
        return out;
    }

    /** Every query: variables first (in dependency order, as listed), then annotations, then panel targets. */
    public List<DashboardQuery> queries() {
        List<DashboardQuery> out = new ArrayList<>();
        for (Variable v : variables()) {
            if (v.sql() != null) {
                out.add(new DashboardQuery(uid(), DashboardQuery.Kind.VARIABLE, v.name(), v.sql(), v.datasource()));
            }
        }
        for (JsonNode a : annotations()) {
            JsonNode target = a.path("target");
            out.add(new DashboardQuery(uid(), DashboardQuery.Kind.ANNOTATION, a.path("name").asText(""),
                    target.path("rawSql").asText(null), a.path("datasource")));
        }
        for (JsonNode p : panels()) {
            for (JsonNode t : p.path("targets")) {
                DashboardQuery.Kind kind = t.path("format").asInt(1) == 0 ? DashboardQuery.Kind.TIME_SERIES : DashboardQuery.Kind.TABLE;
                String name = p.path("title").asText("") + (p.path("targets").size() > 1 ? " #" + t.path("refId").asText() : "");
                JsonNode ds = t.has("datasource") ? t.path("datasource") : p.path("datasource");
                out.add(new DashboardQuery(uid(), kind, name, t.path("rawSql").asText(null), ds));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return file.getFileName() + " (" + uid() + ")";
    }
}
