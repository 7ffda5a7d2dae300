package dev.flywheel.contracts.clickhouse.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.clickhouse.Migrator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ClusterDdlTest {
    private static final String EVENTS = """
            CREATE TABLE IF NOT EXISTS ${db}.events (
                event_id String,
                ts DateTime,
                unit_id String
            ) ENGINE = ReplacingMergeTree()
            PARTITION BY toYYYYMM(ts)
            ORDER BY (unit_id, event_id)""";
    private static final String RUNS = """
            CREATE TABLE IF NOT EXISTS ${db}.runs (
                run_id String,
                revision UInt32
            ) ENGINE = ReplacingMergeTree(revision)
            ORDER BY run_id""";

    private static String render(Map<String, String> keys, String... statements) {
        var ddl = new ClusterDdl("fw", "c1", keys);
        var sections = ddl.render(List.of(new Migrator.Migration(1, "V001__t.sql", List.of(statements), "")));
        return ddl.createDatabase() + "\n" + String.join("\n", sections.getFirst().blocks());
    }

    @Test
    void mergeTreeTableBecomesReplicatedLocalTableWithKeysKeptAndADistributedTable() {
        String out = render(Map.of(), EVENTS);
        assertTrue(out.startsWith("CREATE DATABASE IF NOT EXISTS fw ON CLUSTER c1;\n"), out);
        assertTrue(out.contains("""
                -- V001__t.sql
                CREATE TABLE IF NOT EXISTS fw.events_local ON CLUSTER c1 (
                    event_id String,
                    ts DateTime,
                    unit_id String
                ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/fw/events', '{replica}')
                PARTITION BY toYYYYMM(ts)
                ORDER BY (unit_id, event_id);

                CREATE TABLE IF NOT EXISTS fw.events ON CLUSTER c1 AS fw.events_local
                ENGINE = Distributed(c1, fw, events_local, cityHash64(unit_id));
                """), out);
    }

    @Test
    void replacingMergeTreeKeepsItsVersionColumnAfterPathAndReplica() {
        String out = render(Map.of(), RUNS);
        assertTrue(out.contains("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/fw/runs', '{replica}', revision)\nORDER BY run_id;"), out);
        assertTrue(out.contains("cityHash64(run_id)"), out);
    }

    @Test
    void otherMergeTreeEnginesGetTheirReplicatedCounterpart() {
        var engine = new MigrationStatement.Engine("SummingMergeTree", "(a, b)");
        assertEquals("ReplicatedSummingMergeTree('/p', '{replica}', (a, b))", engine.replicated("/p", "{replica}").toString());
        assertEquals("ReplicatedMergeTree('/p', 'r')", new MigrationStatement.Engine("MergeTree", "").replicated("/p", "r").toString());
        assertRejectedNaming("engine Log", () -> new MigrationStatement.Engine("Log", "").replicated("/p", "r"));
    }

    @Test
    void singleColumnSortingKeyFollowedBySettingsStillGivesTheShardingKey() {
        String out = render(Map.of(), RUNS + "\nSETTINGS index_granularity = 8192");
        assertTrue(out.contains("cityHash64(run_id)"), out);
        assertRejectedNaming("table daily", () -> render(Map.of(), """
                CREATE TABLE IF NOT EXISTS ${db}.daily (ts DateTime) ENGINE = MergeTree()
                ORDER BY toDate(ts)"""));
    }

    @Test
    void shardingKeyOverrideReplacesTheSortingKeysFirstColumnAndMustBeAColumn() {
        assertTrue(render(Map.of("events", "event_id"), EVENTS).contains("cityHash64(event_id)"));
        var e = assertThrows(IllegalArgumentException.class, () -> render(Map.of("events", "nope"), EVENTS));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        var stale = assertThrows(IllegalArgumentException.class, () -> render(Map.of("gone", "x"), EVENTS));
        assertTrue(stale.getMessage().contains("gone"), stale.getMessage());
    }

    @Test
    void materializedViewReadsAndWritesTheShardLocalTables() {
        String out = render(Map.of(), EVENTS, RUNS, """
                CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.runs_mv TO ${db}.runs AS
                SELECT event_id AS run_id, 1 AS revision
                FROM ${db}.events""");
        assertTrue(out.contains("""
                CREATE MATERIALIZED VIEW IF NOT EXISTS fw.runs_mv ON CLUSTER c1 TO fw.runs_local AS
                SELECT event_id AS run_id, 1 AS revision
                FROM fw.events_local;
                """), out);
    }

    @Test
    void columnAlterGoesToTheLocalAndTheDistributedTable() {
        String out = render(Map.of(), RUNS, "ALTER TABLE ${db}.runs ADD COLUMN note String");
        assertTrue(out.contains("""
                ALTER TABLE fw.runs_local ON CLUSTER c1 ADD COLUMN note String;
                ALTER TABLE fw.runs ON CLUSTER c1 ADD COLUMN note String;
                """), out);
    }

    @Test
    void backfillIsSkippedWithAComment() {
        String out = render(Map.of(), EVENTS, RUNS, "INSERT INTO ${db}.runs (run_id, revision)\nSELECT event_id, 1 FROM ${db}.events");
        assertFalse(out.contains("INSERT INTO fw"), out);
        assertTrue(out.contains("-- Skipped: the migration's back-fill INSERT INTO runs"), out);
    }

    @Test
    void unknownStatementsAndTablesAreErrorsNotSilentlyDropped() {
        assertRejectedNaming("DROP TABLE ${db}.events", () -> render(Map.of(), "DROP TABLE ${db}.events"));
        assertRejectedNaming("MODIFY ORDER BY x", () -> render(Map.of(), "ALTER TABLE ${db}.events MODIFY ORDER BY x"));
        assertRejectedNaming("table missing", () -> render(Map.of(), "ALTER TABLE ${db}.missing ADD COLUMN x String"));
        assertRejectedNaming("table events a second time", () -> render(Map.of(), EVENTS, EVENTS));
        assertRejectedNaming("table m: engine Memory", () -> render(Map.of(),
                "CREATE TABLE IF NOT EXISTS ${db}.m (x String) ENGINE = Memory()"));
        assertRejectedNaming("'bad-name'", () -> new ClusterDdl("bad-name", "c1", Map.of()));
    }

    /** Throws IllegalArgumentException whose message names what was wrong ({@code named}). */
    private static void assertRejectedNaming(String named, Executable call) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(named), "message should name " + named + ": " + e.getMessage());
    }
}
