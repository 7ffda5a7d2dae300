package dev.flywheel.contracts.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned ClickHouse migrations under {@code db/clickhouse/} (listed in {@code index.txt}) to the
 * configured database. Idempotent: statements are {@code CREATE … IF NOT EXISTS}, back-fills into deduplicating
 * tables, or {@code ALTER TABLE … ADD COLUMN}, which this class skips when the column exists (18.16 has no
 * {@code ADD COLUMN IF NOT EXISTS}); applied versions are recorded in {@code schema_migrations}, so several replicas
 * starting at once converge on the same schema. A migration whose file changed after it was applied is a fatal error
 * (migrations are append-only).
 */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);
    private static final String ROOT = "db/clickhouse/";

    private final ClickHouseConnections connections;

    public Migrator(ClickHouseConnections connections) {
        this.connections = connections;
    }

    /** A migration file: version from its name ({@code V003__what.sql}), its statements, and a checksum. */
    public record Migration(int version, String name, List<String> statements, String checksum) {}

    /** {@code sql} of a migration with its {@code ${db}} placeholders replaced by the database name. */
    public static String qualify(String sql, String database) {
        return sql.replace("${db}", database);
    }

    /** Applies what is missing and returns the versions applied by this call. */
    public List<Integer> migrate() {
        String db = connections.config().database();
        try {
            try (Connection c = connections.openServer(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE IF NOT EXISTS " + db);
            }
            try (Connection c = connections.open()) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations (version UInt32, name String, "
                            + "checksum String, applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree() ORDER BY version");
                }
                var applied = appliedChecksums(c, db);
                List<Integer> done = new ArrayList<>();
                for (Migration m : load()) {
                    String previous = applied.get(m.version());
                    if (previous != null) {
                        if (!previous.equals(m.checksum())) {
                            throw new IllegalStateException("ClickHouse migration V" + m.version() + " (" + m.name()
                                    + ") was changed after it was applied; add a new migration instead");
                        }
                        continue;
                    }
                    try (Statement s = c.createStatement()) {
                        for (String sql : m.statements()) {
                            if (!columnAlreadyAdded(c, db, sql)) {
                                s.execute(qualify(sql, db));
                            }
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO " + db + ".schema_migrations (version, name, checksum) VALUES (?, ?, ?)")) {
                        ps.setInt(1, m.version());
                        ps.setString(2, m.name());
                        ps.setString(3, m.checksum());
                        ps.executeUpdate();
                    }
                    LOG.info("applied ClickHouse migration V{} {} to {}", m.version(), m.name(), db);
                    done.add(m.version());
                }
                return done;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot migrate ClickHouse database " + db + " at "
                    + connections.config().httpUrl() + ": " + e.getMessage(), e);
        }
    }

    private static final java.util.regex.Pattern ADD_COLUMN = java.util.regex.Pattern.compile(
            "^ALTER\\s+TABLE\\s+\\$\\{db}\\.(\\w+)\\s+ADD\\s+COLUMN\\s+(\\w+)\\s", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** True for an {@code ALTER TABLE ${db}.t ADD COLUMN c …} whose column already exists (a replica got there first). */
    private static boolean columnAlreadyAdded(Connection c, String db, String sql) throws SQLException {
        var m = ADD_COLUMN.matcher(sql.strip());
        if (!m.find()) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count() FROM system.columns WHERE database = ? AND table = ? AND name = ?")) {
            ps.setString(1, db);
            ps.setString(2, m.group(1));
            ps.setString(3, m.group(2));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        }
    }

    private static java.util.Map<Integer, String> appliedChecksums(Connection c, String db) throws SQLException {
        var out = new java.util.HashMap<Integer, String>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, any(checksum) FROM " + db + ".schema_migrations GROUP BY version")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    /** The migrations shipped on the classpath, in version order. */
    public static List<Migration> load() {
        List<Migration> out = new ArrayList<>();
        Set<Integer> seen = new TreeSet<>();
        for (String file : read(ROOT + "index.txt").lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            if (!file.matches("V\\d{3}__[a-z0-9_]+\\.sql")) {
                throw new IllegalStateException("migration file name must look like V001__name.sql, got " + file);
            }
            int version = Integer.parseInt(file.substring(1, 4));
            if (!seen.add(version)) {
                throw new IllegalStateException("duplicate migration version " + version);
            }
            String text = read(ROOT + file);
            out.add(new Migration(version, file, split(text), sha256(text)));
        }
        out.sort(java.util.Comparator.comparingInt(Migration::version));
        return out;
    }

    /** Splits a script on semicolons that end a line; lines starting with -- are comments. */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.stripTrailing().endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    private static String read(String resource) {
        try (InputStream in = Migrator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
