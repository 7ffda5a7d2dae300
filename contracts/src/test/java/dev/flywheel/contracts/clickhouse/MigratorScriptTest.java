package dev.flywheel.contracts.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigratorScriptTest {

    @Test
    void shippedMigrationsAreOrderedAndEveryStatementIsIdempotent() {
        List<Migrator.Migration> migrations = Migrator.load();
        assertFalse(migrations.isEmpty());
        int previous = 0;
        for (var m : migrations) {
            assertTrue(m.version() > previous, "versions must increase: " + m.name());
            previous = m.version();
            for (String sql : m.statements()) {
                assertTrue(sql.contains("IF NOT EXISTS"), m.name() + " has a statement that is not idempotent: " + sql);
                assertTrue(sql.contains("${db}."), m.name() + " must qualify tables with ${db}: " + sql);
            }
        }
    }

    @Test
    void scriptsSplitOnLineEndingSemicolonsAndSkipComments() {
        var parts = Migrator.split("-- comment; not a split\nCREATE TABLE a (x String DEFAULT ';');\n\nCREATE TABLE b (y UInt8);\n");
        assertEquals(List.of("CREATE TABLE a (x String DEFAULT ';')", "CREATE TABLE b (y UInt8)"), parts);
    }
}
