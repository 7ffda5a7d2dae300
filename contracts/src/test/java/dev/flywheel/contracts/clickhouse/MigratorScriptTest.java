package dev.flywheel.contracts.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigratorScriptTest {

    /**
     * Replicas may apply a migration concurrently, so every statement must be safe twice: a CREATE … IF NOT EXISTS,
     * a back-fill INSERT … SELECT into a ReplacingMergeTree table (a second copy collapses like a replay), or a single
     * ALTER TABLE … ADD COLUMN, which the Migrator skips when the column exists.
     */
    @Test
    void shippedMigrationsAreOrderedAndEveryStatementIsIdempotent() {
        List<Migrator.Migration> migrations = Migrator.load();
        assertFalse(migrations.isEmpty());
        java.util.Set<String> replacing = new java.util.HashSet<>();
        var create = java.util.regex.Pattern.compile("CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+)");
        var insert = java.util.regex.Pattern.compile("^INSERT INTO \\$\\{db}\\.(\\w+)\\b[\\s\\S]*\\bSELECT\\b");
        int previous = 0;
        for (var m : migrations) {
            assertTrue(m.version() > previous, "versions must increase: " + m.name());
            previous = m.version();
            for (String sql : m.statements()) {
                assertTrue(sql.contains("${db}."), m.name() + " must qualify tables with ${db}: " + sql);
                var created = create.matcher(sql);
                if (created.find() && sql.contains("ReplacingMergeTree")) {
                    replacing.add(created.group(1));
                }
                var backfill = insert.matcher(sql.strip());
                boolean safeBackfill = backfill.find() && replacing.contains(backfill.group(1));
                boolean guardedAlter = sql.strip().matches("(?is)^ALTER\\s+TABLE\\s+\\$\\{db}\\.\\w+\\s+ADD\\s+COLUMN\\s+\\w+\\s[^,]*");
                assertTrue(sql.contains("IF NOT EXISTS") || safeBackfill || guardedAlter,
                        m.name() + " has a statement that is not safe to run twice: " + sql);
            }
        }
    }

    @Test
    void scriptsSplitOnLineEndingSemicolonsAndSkipComments() {
        var parts = Migrator.split("-- comment; not a split\nCREATE TABLE a (x String DEFAULT ';');\n\nCREATE TABLE b (y UInt8);\n");
        assertEquals(List.of("CREATE TABLE a (x String DEFAULT ';')", "CREATE TABLE b (y UInt8)"), parts);
    }
}
