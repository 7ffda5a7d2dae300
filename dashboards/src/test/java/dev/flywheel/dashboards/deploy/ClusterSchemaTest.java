package dev.flywheel.dashboards.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.clickhouse.ClusterSchema;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.dashboards.RepositoryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * infra/deploy/clickhouse-cluster/schema.sql is generated from the migrations the Migrator ships
 * ({@link ClusterSchema}) and must be exactly the generator's output. Independently of the generator, it must be the
 * replicated twin of every migration: for each table T, a {@code T_local} ReplicatedReplacingMergeTree with T's
 * columns, version column and keys, and a Distributed T over it; views over local tables; column ALTERs on both.
 */
class ClusterSchemaTest {
    private static final Pattern MIGRATION_TABLE = Pattern.compile(
            "CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+) \\((.*)\\) ENGINE = ReplacingMergeTree\\((\\w*)\\)(.*)", Pattern.DOTALL);
    private static final Pattern MIGRATION_VIEW = Pattern.compile(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS \\$\\{db}\\.(\\w+) TO \\$\\{db}\\.(\\w+) AS .* FROM \\$\\{db}\\.(\\w+)", Pattern.DOTALL);
    private static final Pattern MIGRATION_ALTER = Pattern.compile("ALTER TABLE \\$\\{db}\\.(\\w+) (.*)", Pattern.DOTALL);

    @Test
    void committedSchemaIsExactlyTheGeneratorsOutput() throws IOException {
        assertEquals(ClusterSchema.render(ClusterSchema.DEFAULT_DATABASE, ClusterSchema.DEFAULT_CLUSTER), committed(),
                "infra/deploy/clickhouse-cluster/schema.sql is generated; regenerate it with the command in the README.md beside it");
    }

    @Test
    void everyMigratedViewReadsAndWritesLocalTablesAndEveryAlterReachesBothTables() throws IOException {
        String cluster = normalise(committed());
        int views = 0;
        for (Statement statement : migrationStatements()) {
            Matcher view = MIGRATION_VIEW.matcher(normalise(statement.sql()));
            if (view.matches()) {
                views++;
                String head = "CREATE MATERIALIZED VIEW IF NOT EXISTS flywheel." + view.group(1)
                        + " ON CLUSTER flywheel_cluster TO flywheel." + view.group(2) + "_local AS ";
                int at = cluster.indexOf(head);
                assertTrue(at >= 0, statement.migration() + ": schema.sql needs " + head);
                assertTrue(cluster.substring(at, cluster.indexOf(';', at)).endsWith(" FROM flywheel." + view.group(3) + "_local"),
                        statement.migration() + ": view " + view.group(1) + " must read the shard-local " + view.group(3) + "_local");
            }
            Matcher alter = MIGRATION_ALTER.matcher(normalise(statement.sql()));
            if (alter.matches()) {
                for (String table : new String[] {alter.group(1) + "_local", alter.group(1)}) {
                    String expected = "ALTER TABLE flywheel." + table + " ON CLUSTER flywheel_cluster " + alter.group(2) + ";";
                    assertTrue(cluster.contains(expected), statement.migration() + ": schema.sql needs " + expected);
                }
            }
        }
        assertTrue(views >= 1, "the migrations define the stats_unit_events view at least");
        assertFalse(cluster.contains("INSERT INTO"), "back-fills are not part of the cluster schema");
    }

    @Test
    void everyMigratedTableHasAReplicatedLocalTableAndADistributedTable() throws IOException {
        String cluster = normalise(committed());
        int tables = 0;
        for (Statement statement : migrationStatements()) {
            Matcher m = MIGRATION_TABLE.matcher(statement.sql().strip());
            if (!m.matches()) {
                assertFalse(statement.sql().contains("CREATE TABLE"), statement.migration() + ": unrecognised table statement " + statement.sql());
                continue;
            }
            tables++;
            String name = m.group(1);
            String version = m.group(3).isEmpty() ? "" : ", " + m.group(3);
            String local = normalise("CREATE TABLE IF NOT EXISTS flywheel." + name + "_local ON CLUSTER flywheel_cluster ("
                    + m.group(2) + ") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/" + name
                    + "', '{replica}'" + version + ")" + m.group(4));
            assertTrue(cluster.contains(local + ";"), statement.migration() + ": schema.sql needs, for table " + name + ":\n" + local);
            Pattern distributed = Pattern.compile(Pattern.quote("CREATE TABLE IF NOT EXISTS flywheel." + name
                    + " ON CLUSTER flywheel_cluster AS flywheel." + name + "_local ENGINE = Distributed(flywheel_cluster, flywheel, "
                    + name + "_local, ") + "cityHash64\\(\\w+\\)\\);");
            assertTrue(distributed.matcher(cluster).find(), "schema.sql needs a Distributed flywheel." + name + " over " + name + "_local");
        }
        assertTrue(tables >= 8, "the migrations create the 8 core tables at least, found " + tables);
        assertEquals(2 * tables, count(cluster, "CREATE TABLE IF NOT EXISTS"), "schema.sql has exactly the migrated tables' twins");
    }

    /** One statement of a shipped migration, with the migration's file name for failure messages. */
    private record Statement(String migration, String sql) {}

    /** Every statement of every shipped migration, in version order. */
    private static List<Statement> migrationStatements() {
        return Migrator.load().stream()
                .flatMap(m -> m.statements().stream().map(sql -> new Statement(m.name(), sql)))
                .toList();
    }

    private static String committed() throws IOException {
        return Files.readString(RepositoryFiles.deploy().resolve("clickhouse-cluster/schema.sql"));
    }

    /** Whitespace-insensitive, comment-free text. */
    private static String normalise(String sql) {
        return sql.replaceAll("(?m)^\\s*--.*$", "").replaceAll("\\s+", " ").replace("( ", "(").replace(" )", ")").strip();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
