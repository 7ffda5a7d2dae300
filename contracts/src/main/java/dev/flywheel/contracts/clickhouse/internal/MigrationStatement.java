package dev.flywheel.contracts.clickhouse.internal;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One statement of a ClickHouse migration ({@code ${db}}-qualified, as {@code Migrator.load} returns it), classified
 * for rendering the cluster schema. The kinds are closed on purpose: a statement of any other kind is an error, so a
 * migration that the cluster rendering does not understand fails the build instead of being dropped silently.
 */
public sealed interface MigrationStatement {

    /**
     * {@code CREATE TABLE IF NOT EXISTS ${db}.name (columns) ENGINE = engine tail}; {@code columns} and {@code tail}
     * (PARTITION BY, ORDER BY, SETTINGS…) are kept verbatim, line breaks included.
     */
    record CreateTable(String name, String columns, Engine engine, String tail) implements MigrationStatement {
        public CreateTable {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(columns, "columns");
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(tail, "tail");
        }
    }

    /** {@code CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.name TO ${db}.target AS select}; select verbatim. */
    record CreateView(String name, String target, String select) implements MigrationStatement {
        public CreateView {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(select, "select");
        }
    }

    /** {@code ALTER TABLE ${db}.table action}, where action is a column operation (ADD COLUMN c T, DROP COLUMN c…). */
    record AlterColumns(String table, String action) implements MigrationStatement {
        public AlterColumns {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(action, "action");
        }
    }

    /** {@code INSERT INTO ${db}.table … SELECT …}: a one-off back-fill of a table created by the same migration. */
    record Backfill(String table) implements MigrationStatement {
        public Backfill {
            Objects.requireNonNull(table, "table");
        }
    }

    /** A table engine: its name ({@code ReplacingMergeTree}) and its argument list as written ({@code version}, or empty). */
    record Engine(String name, String arguments) {
        public Engine {
            Objects.requireNonNull(name, "engine name");
            Objects.requireNonNull(arguments, "engine arguments");
        }

        /** True for the MergeTree family, which has a Replicated* counterpart taking (path, replica, own arguments…). */
        public boolean isMergeTree() {
            return name.matches("(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing|Graphite)?MergeTree");
        }

        /** The Replicated* counterpart, with the Keeper path and replica name first and this engine's arguments after. */
        public Engine replicated(String keeperPath, String replica) {
            if (!isMergeTree()) {
                throw new IllegalArgumentException("engine " + name + " is not of the MergeTree family; it has no Replicated counterpart");
            }
            String own = arguments.isBlank() ? "" : ", " + arguments.strip();
            return new Engine("Replicated" + name, "'" + keeperPath + "', '" + replica + "'" + own);
        }

        @Override
        public String toString() {
            return name + "(" + arguments + ")";
        }
    }

    Pattern CREATE_TABLE = Pattern.compile(
            "(?s)^CREATE TABLE IF NOT EXISTS \\$\\{db}\\.(\\w+) \\((.*)\\) ENGINE = (\\w+)\\(([^()]*)\\)(.*)$");
    Pattern CREATE_VIEW = Pattern.compile(
            "(?s)^CREATE MATERIALIZED VIEW IF NOT EXISTS \\$\\{db}\\.(\\w+) TO \\$\\{db}\\.(\\w+) AS\\s(.*)$");
    Pattern ALTER_COLUMNS = Pattern.compile(
            "(?is)^ALTER TABLE \\$\\{db}\\.(\\w+) ((?:ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\\s.*)$");
    Pattern BACKFILL = Pattern.compile("(?is)^INSERT INTO \\$\\{db}\\.(\\w+)\\b.*\\bSELECT\\b.*$");

    /** Classifies one statement; throws naming the statement when it is of no known kind. */
    static MigrationStatement parse(String sql) {
        String s = sql.strip();
        Matcher m = CREATE_TABLE.matcher(s);
        if (m.matches()) {
            return new CreateTable(m.group(1), m.group(2), new Engine(m.group(3), m.group(4)), m.group(5));
        }
        m = CREATE_VIEW.matcher(s);
        if (m.matches()) {
            return new CreateView(m.group(1), m.group(2), m.group(3));
        }
        m = ALTER_COLUMNS.matcher(s);
        if (m.matches()) {
            return new AlterColumns(m.group(1), m.group(2));
        }
        m = BACKFILL.matcher(s);
        if (m.matches()) {
            return new Backfill(m.group(1));
        }
        throw new IllegalArgumentException("the cluster schema cannot render this migration statement (teach "
                + "dev.flywheel.contracts.clickhouse.internal.ClusterDdl its kind): " + s);
    }
}
