package dev.flywheel.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.dashboards.yaml.YamlFiles;
import dev.flywheel.dashboards.grafana.Dashboard;
import dev.flywheel.dashboards.grafana.DashboardQuery;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The shipped dashboards and provisioning files hang together, without a ClickHouse or a Grafana. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardStructureTest {
    /** Dashboards about one experiment: they must offer both selectors. */
    private static final Set<String> EXPERIMENT_DASHBOARDS =
            Set.of("flywheel-overview", "flywheel-experiment-detail", "flywheel-quality", "flywheel-latency-cost");
    private static final String PLUGIN = "grafana-clickhouse-datasource";
    /**
     * SQL that ClickHouse 18.16 rejects, or macros the plugin expands to something 18.16 rejects. Matched
     * case-insensitively anywhere in a query: the dashboards have no reason to mention them at all.
     */
    private static final Map<String, String> NOT_ON_18_16 = Map.of(
            "toStartOfInterval", "use toStartOfMinute/FiveMinute/Hour or intDiv(toUInt32(ts), $__interval_s) * $__interval_s",
            "DateTime64", "the schema is DateTime + ts_ms",
            "LowCardinality", "experimental on 18.16",
            "WITH FILL", "missing on 18.16",
            "JSONExtract", "use visitParamExtract*",
            "OVER (", "no window functions on 18.16",
            "$__timeInterval", "expands to toStartOfInterval",
            "_ms(", "the plugin's *_ms macros expand to DateTime64");

    private List<Dashboard> dashboards;
    private JsonNode datasource;

    @BeforeAll
    void load() {
        dashboards = Dashboard.readAll(RepositoryFiles.dashboards());
        JsonNode provisioned = YamlFiles.read(RepositoryFiles.provisioning().resolve("datasources/clickhouse.yaml"));
        assertEquals(1, provisioned.path("datasources").size(), "one provisioned datasource");
        datasource = provisioned.path("datasources").get(0);
    }

    @Test
    void datasourceIsTheOfficialClickHousePluginOverHttp() {
        assertEquals(PLUGIN, datasource.path("type").asText());
        assertEquals("http", datasource.path("jsonData").path("protocol").asText());
        assertEquals("${FLYWHEEL_CLICKHOUSE_PORT}", datasource.path("jsonData").path("port").asText(),
                "the port comes from the environment (8123 in compose and Kubernetes)");
        assertTrue(datasource.path("secureJsonData").has("password"), "the password belongs in secureJsonData");
        assertFalse(datasource.path("uid").asText().isBlank(), "the dashboards refer to the datasource by uid");
    }

    @Test
    void dashboardProviderLoadsTheFolderComposeAndKubernetesMount() {
        JsonNode providers = YamlFiles.read(RepositoryFiles.provisioning().resolve("dashboards/flywheel.yaml"));
        JsonNode provider = providers.path("providers").get(0);
        assertEquals("file", provider.path("type").asText());
        assertEquals("/var/lib/grafana/dashboards/flywheel", provider.path("options").path("path").asText());
    }

    @Test
    void everyDashboardHasAUniqueUidTitleAndCurrentSchema() {
        assertTrue(dashboards.size() >= 6, "overview, detail, quality, latency/cost, pipeline, retraining: got " + dashboards);
        Set<String> uids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        for (Dashboard d : dashboards) {
            assertTrue(d.uid().matches("[a-z0-9-]{1,40}"), d + ": uid must be 1-40 of [a-z0-9-] (Grafana's limit is 40)");
            assertTrue(uids.add(d.uid()), d + ": duplicate uid");
            assertFalse(d.title().isBlank(), d + ": title");
            assertTrue(titles.add(d.title()), d + ": duplicate title");
            assertTrue(d.schemaVersion() >= 39, d + ": schemaVersion " + d.schemaVersion() + " < 39");
        }
    }

    @Test
    void experimentDashboardsOfferExperimentAndVariantSelectors() {
        Set<String> found = new HashSet<>();
        for (Dashboard d : dashboards) {
            if (!EXPERIMENT_DASHBOARDS.contains(d.uid())) {
                continue;
            }
            found.add(d.uid());
            List<Dashboard.Variable> vars = d.variables();
            Dashboard.Variable experiment = vars.stream().filter(v -> v.name().equals("experiment")).findFirst()
                    .orElseThrow(() -> new AssertionError(d + " lacks the experiment variable"));
            Dashboard.Variable variant = vars.stream().filter(v -> v.name().equals("variant")).findFirst()
                    .orElseThrow(() -> new AssertionError(d + " lacks the variant variable"));
            assertFalse(experiment.multi(), d + ": one experiment at a time");
            assertTrue(variant.multi() && variant.includeAll(), d + ": variants are multi-select with All");
            assertTrue(vars.indexOf(experiment) < vars.indexOf(variant), d + ": variant's query uses experiment, so it comes after");
        }
        assertEquals(EXPERIMENT_DASHBOARDS, found);
    }

    @Test
    void everyQueryGoesToTheProvisionedDatasource() {
        String uid = datasource.path("uid").asText();
        for (Dashboard d : dashboards) {
            for (JsonNode panel : d.panels()) {
                if (panel.has("targets")) {
                    assertEquals(uid, panel.path("datasource").path("uid").asText(), d + " panel '" + panel.path("title").asText() + "'");
                    assertEquals(PLUGIN, panel.path("datasource").path("type").asText());
                } else {
                    assertTrue(Set.of("text", "row").contains(panel.path("type").asText()),
                            d + " panel '" + panel.path("title").asText() + "' has no query");
                }
            }
            for (DashboardQuery q : d.queries()) {
                assertEquals(uid, q.datasource().path("uid").asText(), q + ": datasource uid");
                assertEquals(PLUGIN, q.datasource().path("type").asText(), q + ": datasource type");
            }
        }
    }

    @Test
    void panelIdsAreUniqueWithinADashboard() {
        for (Dashboard d : dashboards) {
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : d.panels()) {
                assertTrue(ids.add(p.path("id").asInt()), d + ": duplicate panel id " + p.path("id"));
            }
        }
    }

    @Test
    void noQueryUsesSqlThatClickHouse1816Lacks() {
        for (Dashboard d : dashboards) {
            for (DashboardQuery q : d.queries()) {
                String sql = q.rawSql().toLowerCase(Locale.ROOT);
                NOT_ON_18_16.forEach((construct, why) -> {
                    if (sql.contains(construct.toLowerCase(Locale.ROOT))) {
                        fail(q + " uses " + construct + ": " + why);
                    }
                });
            }
        }
    }

    @Test
    void queriesReadEventTablesDeduplicated() {
        Pattern eventTable = Pattern.compile("flywheel\\.(inference_events|feedback_events|score_events)\\b(\\s+FINAL)?");
        for (Dashboard d : dashboards) {
            if (d.uid().equals("flywheel-pipeline")) {
                continue; // counts raw rows on purpose: what the pipeline wrote, replays included
            }
            for (DashboardQuery q : d.queries()) {
                Matcher m = eventTable.matcher(q.rawSql());
                while (m.find()) {
                    boolean variableListing = q.kind() == DashboardQuery.Kind.VARIABLE && q.rawSql().contains("DISTINCT");
                    assertTrue(m.group(2) != null || variableListing, q + " reads " + m.group(1)
                            + " without FINAL: replayed events would count twice (README, \"Exactly once\")");
                }
            }
        }
    }
}
