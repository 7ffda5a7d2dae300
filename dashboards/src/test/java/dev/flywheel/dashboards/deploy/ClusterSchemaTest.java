package dev.flywheel.dashboards.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.dashboards.RepositoryFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * infra/deploy/clickhouse-cluster/schema.sql is the replicated twin of every migration the Migrator ships: for each
 * table T, a {@code T_local} ReplicatedReplacingMergeTree with T's columns, version column and keys, and a
 * Distributed T over it. Fails when a migration adds a table without its cluster twin.
 */
class ClusterSchemaTest {
    private static final Pattern MIGRATION_TABLE = Pattern.compile(
            "CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+) \\((.*)\\) ENGINE = ReplacingMergeTree\\((\\w*)\\)(.*)", Pattern.DOTALL);

    @Test
    void everyMigratedTableHasAReplicatedLocalTableAndADistributedTable() throws IOException {
        String cluster = normalise(Files.readString(RepositoryFiles.deploy().resolve("clickhouse-cluster/schema.sql")));
        int tables = 0;
        for (Migrator.Migration migration : Migrator.load()) {
            for (String statement : migration.statements()) {
                Matcher m = MIGRATION_TABLE.matcher(statement.strip());
                if (!m.matches()) {
                    assertFalse(statement.contains("CREATE TABLE"), migration.name() + ": unrecognised table statement " + statement);
                    continue;
                }
                tables++;
                String name = m.group(1);
                String version = m.group(3).isEmpty() ? "" : ", " + m.group(3);
                String local = normalise("CREATE TABLE IF NOT EXISTS flywheel." + name + "_local ON CLUSTER flywheel_cluster ("
                        + m.group(2) + ") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/" + name
                        + "', '{replica}'" + version + ")" + m.group(4));
                assertTrue(cluster.contains(local + ";"), migration.name() + ": schema.sql needs, for table " + name + ":\n" + local);
                Pattern distributed = Pattern.compile(Pattern.quote("CREATE TABLE IF NOT EXISTS flywheel." + name
                        + " ON CLUSTER flywheel_cluster AS flywheel." + name + "_local ENGINE = Distributed(flywheel_cluster, flywheel, "
                        + name + "_local, ") + "cityHash64\\(\\w+\\)\\);");
                assertTrue(distributed.matcher(cluster).find(), "schema.sql needs a Distributed flywheel." + name + " over " + name + "_local");
            }
        }
        assertTrue(tables >= 8, "the migrations create the 8 core tables at least, found " + tables);
        assertEquals(2 * tables, count(cluster, "CREATE TABLE IF NOT EXISTS"), "schema.sql has exactly the migrated tables' twins");
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
