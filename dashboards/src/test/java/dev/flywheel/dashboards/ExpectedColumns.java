package dev.flywheel.dashboards;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.dashboards.grafana.DashboardQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The columns each dashboard query must return, from {@code expected-columns.json}: dashboard uid → query key
 * ({@link DashboardQuery#key()}) → column names in order. Panels format and label by column name, so a renamed
 * column breaks a panel silently in Grafana; here it fails a test.
 */
record ExpectedColumns(Map<String, Map<String, List<String>>> byDashboard) {

    static ExpectedColumns load() {
        try (InputStream in = ExpectedColumns.class.getClassLoader().getResourceAsStream("expected-columns.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource expected-columns.json");
            }
            return new ExpectedColumns(new ObjectMapper().readValue(in, new TypeReference<>() {}));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read expected-columns.json", e);
        }
    }

    Optional<List<String>> of(DashboardQuery query) {
        return Optional.ofNullable(byDashboard.getOrDefault(query.dashboardUid(), Map.of()).get(query.key()));
    }
}
