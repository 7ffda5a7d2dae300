package dev.flywheel.contracts.clickhouse.internal;

import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.clickhouse.Migrator.Migration;
import dev.flywheel.contracts.clickhouse.internal.MigrationStatement.AlterColumns;
import dev.flywheel.contracts.clickhouse.internal.MigrationStatement.Backfill;
import dev.flywheel.contracts.clickhouse.internal.MigrationStatement.CreateTable;
import dev.flywheel.contracts.clickhouse.internal.MigrationStatement.CreateView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders single-server migration statements as the DDL of a sharded, replicated cluster. Every table T becomes
 * {@code T_local} ON CLUSTER with the Replicated* counterpart of its engine (Keeper path
 * {@code /clickhouse/tables/{shard}/<database>/T}, replica {@code {replica}}, the engine's own arguments such as a
 * version column after them), plus a Distributed T over it; columns, PARTITION BY and ORDER BY are copied verbatim.
 * Materialized views read and write the shard-local tables; column ALTERs go to both tables; back-fills are skipped.
 */
public final class ClusterDdl {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    // The sorting key's first column: a bare word, not a function call such as toDate(ts); SETTINGS may follow.
    private static final Pattern ORDER_BY_FIRST = Pattern.compile("(?i)\\bORDER BY\\s+\\(?\\s*(\\w+)\\b(?!\\s*\\()");
    private static final Pattern DB_TABLE = Pattern.compile("\\$\\{db}\\.(\\w+)");

    private final String database;
    private final String cluster;
    private final Map<String, String> shardingKeys;

    /**
     * @param database     the database every table lives in ({@code flywheel})
     * @param cluster      the cluster's name in {@code remote_servers}
     * @param shardingKeys table → the column its Distributed table shards by, for tables whose key is not the first
     *                     column of their sorting key (the default); every entry must name a migrated table's column
     */
    public ClusterDdl(String database, String cluster, Map<String, String> shardingKeys) {
        this.database = identifier(database, "database");
        this.cluster = identifier(cluster, "cluster");
        this.shardingKeys = Map.copyOf(Objects.requireNonNull(shardingKeys, "shardingKeys"));
    }

    /** The cluster DDL of one migration (by version): its statements rendered, as blocks to be separated by blank lines. */
    public record Section(int version, List<String> blocks) {
        public Section {
            blocks = List.copyOf(Objects.requireNonNull(blocks, "blocks"));
        }
    }

    /** {@code CREATE DATABASE IF NOT EXISTS … ON CLUSTER …;}, the block every cluster schema starts with. */
    public String createDatabase() {
        return "CREATE DATABASE IF NOT EXISTS " + database + " ON CLUSTER " + cluster + ";\n";
    }

    /**
     * Every migration (in the order given) rendered for the cluster. All are needed even when only the newest are
     * printed: a view or ALTER refers to tables that earlier migrations create.
     */
    public List<Section> render(List<Migration> migrations) {
        Map<String, CreateTable> tables = new LinkedHashMap<>();
        List<Section> sections = new ArrayList<>();
        for (Migration migration : migrations) {
            List<String> out = new ArrayList<>();
            for (String sql : migration.statements()) {
                out.add(switch (MigrationStatement.parse(sql)) {
                    case CreateTable t -> {
                        if (tables.putIfAbsent(t.name(), t) != null) {
                            throw new IllegalArgumentException(migration.name() + " creates table " + t.name() + " a second time");
                        }
                        yield table(t);
                    }
                    case CreateView v -> view(v, known(tables, v.target(), migration, "materialized view " + v.name()), tables);
                    case AlterColumns a -> alter(a, known(tables, a.table(), migration, "ALTER"));
                    case Backfill b -> backfill(known(tables, b.table(), migration, "back-fill"));
                });
            }
            if (!out.isEmpty()) {
                out.set(0, "-- " + migration.name() + "\n" + out.getFirst());
            }
            sections.add(new Section(migration.version(), out));
        }
        for (String table : shardingKeys.keySet()) {
            if (!tables.containsKey(table)) {
                throw new IllegalArgumentException("sharding key given for table " + table + ", which no migration creates");
            }
        }
        return sections;
    }

    private String table(CreateTable t) {
        String local = t.name() + "_local";
        String engine;
        try {
            engine = t.engine().replicated("/clickhouse/tables/{shard}/" + database + "/" + t.name(), "{replica}").toString();
        } catch (IllegalArgumentException notMergeTree) { // Engine.replicated is where the MergeTree family is checked
            throw new IllegalArgumentException("table " + t.name() + ": " + notMergeTree.getMessage()
                    + "; teach ClusterDdl what it should become", notMergeTree);
        }
        return "CREATE TABLE IF NOT EXISTS " + database + "." + local + " ON CLUSTER " + cluster + " ("
                + qualify(t.columns()) + ") ENGINE = " + engine + qualify(t.tail()) + ";\n\n"
                + "CREATE TABLE IF NOT EXISTS " + database + "." + t.name() + " ON CLUSTER " + cluster + " AS " + database + "." + local
                + "\nENGINE = Distributed(" + cluster + ", " + database + ", " + local + ", cityHash64(" + shardingKey(t) + "));\n";
    }

    /** The view fires on inserts into each shard's local source table, so it reads and writes local tables. */
    private String view(CreateView v, CreateTable target, Map<String, CreateTable> tables) {
        Matcher m = DB_TABLE.matcher(v.select());
        StringBuilder select = new StringBuilder();
        List<String> sources = new ArrayList<>();
        while (m.find()) {
            String name = m.group(1);
            String local = tables.containsKey(name) ? name + "_local" : name;
            sources.add(local);
            m.appendReplacement(select, Matcher.quoteReplacement(database + "." + local));
        }
        m.appendTail(select);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("materialized view " + v.name() + " reads no ${db} table");
        }
        return "-- On a cluster the view runs on every shard over that shard's " + String.join(", ", sources.stream().distinct().toList())
                + "\n-- and writes that shard's " + target.name() + "_local; readers use the Distributed tables.\n"
                + "CREATE MATERIALIZED VIEW IF NOT EXISTS " + database + "." + v.name() + " ON CLUSTER " + cluster
                + " TO " + database + "." + target.name() + "_local AS\n" + select + ";\n";
    }

    private String alter(AlterColumns a, CreateTable table) {
        String note = a.action().regionMatches(true, 0, "ADD COLUMN", 0, 10)
                ? "-- 18.16 has no ADD COLUMN IF NOT EXISTS: run once per cluster.\n" : "";
        return note
                + "ALTER TABLE " + database + "." + table.name() + "_local ON CLUSTER " + cluster + " " + qualify(a.action()) + ";\n"
                + "ALTER TABLE " + database + "." + table.name() + " ON CLUSTER " + cluster + " " + qualify(a.action()) + ";\n";
    }

    /**
     * Skipped: a back-fill copies rows that existed before its migration on a single server. A cluster built from this
     * file starts empty, and an INSERT through the Distributed table would place rows by its sharding key rather than
     * where the materialized view puts them, so copies would not collapse.
     */
    private static String backfill(CreateTable table) {
        return "-- Skipped: the migration's back-fill INSERT INTO " + table.name() + " … SELECT (a new cluster has no rows to copy).\n";
    }

    private String shardingKey(CreateTable t) {
        String key = shardingKeys.get(t.name());
        if (key == null) {
            Matcher m = ORDER_BY_FIRST.matcher(t.tail());
            if (!m.find()) {
                throw new IllegalArgumentException("table " + t.name() + ": no sorting key column to shard by; give it a sharding key");
            }
            key = m.group(1);
        }
        if (!Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s").matcher(t.columns()).find()) {
            throw new IllegalArgumentException("table " + t.name() + ": sharding key " + key + " is not one of its columns");
        }
        return key;
    }

    private static CreateTable known(Map<String, CreateTable> tables, String name, Migration migration, String what) {
        CreateTable t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException(migration.name() + ": " + what + " names table " + name + ", which no earlier migration creates");
        }
        return t;
    }

    private String qualify(String sql) {
        return Migrator.qualify(sql, database);
    }

    private static String identifier(String value, String field) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match " + IDENTIFIER.pattern() + ", got '" + value + "'");
        }
        return value;
    }
}
