package dev.flywheel.dashboards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.dashboards.grafana.Dashboard;
import dev.flywheel.dashboards.grafana.DashboardQuery;
import dev.flywheel.dashboards.grafana.DatasourceEmulator;
import dev.flywheel.dashboards.grafana.PluginMacros;
import dev.flywheel.dashboards.grafana.QueryResult;
import dev.flywheel.dashboards.grafana.TemplateVariables;
import dev.flywheel.dashboards.seed.FlywheelSeed;
import dev.flywheel.dashboards.seed.SeededFacts;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs every query of every shipped dashboard (variables, annotations, panels), with variables and macros
 * substituted as Grafana and the ClickHouse plugin would, against the real ClickHouse over deterministic seeded
 * data, and checks the columns each panel needs and that it has rows. Then checks a few numbers exactly.
 */
@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PanelQueriesTest {
    private static final Instant START = Instant.parse("2025-03-03T00:00:00Z");
    private static final long SEED = 20250303L;
    /** A 6-hour range at Grafana's usual ~1,000 points is 21 s; 300 s keeps several points per bucket. */
    private static final long INTERVAL_SECONDS = 300;

    private SeededFacts facts;
    private DatasourceEmulator datasource;
    private final ExpectedColumns expected = ExpectedColumns.load();
    private final List<Dashboard> dashboards = Dashboard.readAll(RepositoryFiles.dashboards());

    @BeforeAll
    void seed(TestServices services) {
        var random = RandomGeneratorFactory.of("L64X128MixRandom").create(SEED);
        facts = new FlywheelSeed(services.clickhouseConnections(), random, START).write();
        datasource = new DatasourceEmulator(services.clickhouseConnections(),
                new PluginMacros(facts.from(), facts.to(), INTERVAL_SECONDS));
    }

    @TestFactory
    Stream<DynamicContainer> everyQueryReturnsItsColumnsAndRowsOverSeededData() {
        assertFalse(dashboards.isEmpty(), "no dashboards found in " + RepositoryFiles.dashboards());
        return dashboards.stream().map(d -> {
            // Resolved once per dashboard, on first use: a failing variable query fails that dashboard's tests.
            Map<String, TemplateVariables> resolved = new HashMap<>();
            Supplier<TemplateVariables> variables = () -> resolved.computeIfAbsent(d.uid(), k -> datasource.resolveVariables(d));
            return DynamicContainer.dynamicContainer(d.uid(),
                    d.queries().stream().map(q -> DynamicTest.dynamicTest(q.key(), () -> check(q, variables.get()))));
        });
    }

    private void check(DashboardQuery query, TemplateVariables variables) {
        QueryResult result = datasource.run(query.rawSql(), variables);
        List<String> columns = expected.of(query).orElseThrow(() -> new AssertionError(
                query + " has no entry in expected-columns.json; it returns " + result.columns()));
        assertEquals(columns, result.columns(), query + ": columns");
        assertFalse(result.rows().isEmpty(), query + ": no rows over the seeded data with " + variables.values());
        switch (query.kind()) {
            case TIME_SERIES -> {
                assertEquals("time", result.columns().getFirst(), query + ": a time series starts with its time column");
                assertEquals("DateTime", result.types().getFirst(), query + ": time column type");
                assertSortedByTime(query, result);
            }
            case ANNOTATION -> {
                assertTrue(result.columns().containsAll(List.of("time", "text")), query + ": annotations need time and text");
                assertEquals("DateTime", result.types().get(result.column("time")), query + ": time column type");
            }
            case VARIABLE -> assertEquals(1, result.columns().size(), query + ": a variable query returns one column");
            case TABLE -> { }
        }
    }

    private static void assertSortedByTime(DashboardQuery query, QueryResult result) {
        Timestamp previous = null;
        for (Object value : result.values("time")) {
            Timestamp t = (Timestamp) value;
            assertTrue(previous == null || !t.before(previous), query + ": rows must be ordered by time (Grafana needs it)");
            previous = t;
        }
    }

    @Test
    void exposuresCountEveryRequestOnceDespiteReplays() {
        assertTrue(facts.replayedInferences() > 0, "the seed replays some inference events");
        QueryResult exposures = panel("flywheel-overview", "Exposures by ramp stage and variant");
        for (String variant : facts.variants()) {
            long total = 0;
            for (List<Object> row : exposures.rows()) {
                if (variant.equals(row.get(exposures.column("variant_id")))) {
                    total += ((Number) row.get(exposures.column("requests"))).longValue();
                }
            }
            assertEquals(facts.requests().get(variant), total, "requests of " + variant);
        }
    }

    @Test
    void thumbsUpRateIsFeedbackJoinedToTheRequestsVariant() {
        QueryResult rates = panel("flywheel-experiment-detail", "Feedback rates per variant (95 % CI)");
        assertEquals(facts.variants(), rates.values("variant_id").stream().map(String::valueOf).toList());
        for (int i = 0; i < rates.rows().size(); i++) {
            String variant = facts.variants().get(i);
            List<Object> row = rates.rows().get(i);
            double expectedRate = (double) facts.thumbsUp().get(variant) / facts.thumbs().get(variant);
            assertEquals(facts.thumbs().get(variant), ((Number) row.get(rates.column("thumbs"))).longValue(), "thumbs of " + variant);
            double rate = ((Number) row.get(rates.column("thumbs_up_rate"))).doubleValue();
            assertEquals(expectedRate, rate, 1e-9, "thumbs-up rate of " + variant);
            assertTrue(((Number) row.get(rates.column("thumbs_ci_low"))).doubleValue() < rate
                    && rate < ((Number) row.get(rates.column("thumbs_ci_high"))).doubleValue(), "interval brackets the rate");
        }
    }

    @Test
    void treatmentShareFollowsTheRampPlanToPromotion() {
        QueryResult share = panel("flywheel-overview", "Treatment share set by the ramp controller");
        List<Double> distinctSteps = new ArrayList<>();
        for (Object v : share.values("treatment_percent")) {
            double p = ((Number) v).doubleValue();
            if (distinctSteps.isEmpty() || distinctSteps.getLast() != p) {
                distinctSteps.add(p);
            }
        }
        assertEquals(List.of(1.0, 5.0, 10.0, 25.0, 50.0, 100.0), distinctSteps);
    }

    private QueryResult panel(String dashboardUid, String title) {
        Dashboard d = dashboards.stream().filter(x -> x.uid().equals(dashboardUid)).findFirst()
                .orElseThrow(() -> new AssertionError("no dashboard " + dashboardUid));
        DashboardQuery q = d.queries().stream().filter(x -> x.name().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError(dashboardUid + " has no panel '" + title + "'"));
        return datasource.run(q.rawSql(), datasource.resolveVariables(d));
    }
}
