package dev.flywheel.launcher.demo;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.launcher.console.Console;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The demo's per-run ClickHouse databases, named {@code <prefix>_<start millis in base 36>}. Every run creates one
 * (DROP DATABASE on 18.16 can block for a minute, so a run never reuses or waits on an old one); at start a run drops
 * the databases of earlier runs on a background thread, keeping the {@code keep} newest and any younger than
 * {@code minAge} (a demo lasts at most 15 minutes, so a younger one may belong to a run still going).
 */
final class DemoDatabases {
    private final ClickHouseConnections server;
    private final String prefix;
    private final Console console;

    /** @param server connections to the server's {@code default} database; {@code prefix} e.g. "flywheel_demo" */
    DemoDatabases(ClickHouseConnections server, String prefix, Console console) {
        if (prefix == null || !prefix.matches("[A-Za-z_][A-Za-z0-9_]{0,100}")) {
            throw new IllegalArgumentException("database prefix must be a plain ClickHouse identifier ([A-Za-z_][A-Za-z0-9_]*), got '" + prefix + "'");
        }
        this.server = server;
        this.prefix = prefix;
        this.console = console;
    }

    /** A run's database: {@code prefix_<millis base 36>} (8 base-36 digits until the year 2059, so names sort by time). */
    static String nameFor(String prefix, long startMillis) {
        return prefix + "_" + Long.toString(startMillis, 36);
    }

    /** The start time encoded in a run database's name, if it is one of {@code prefix}'s. */
    static Optional<Long> startOf(String prefix, String name) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "_([0-9a-z]{1,12})");
        var m = p.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(m.group(1), 36));
    }

    /**
     * Which of {@code names} to drop: run databases of {@code prefix} other than {@code current}, except the
     * {@code keep} newest and those started less than {@code minAge} before {@code nowMillis}. Oldest first.
     */
    static List<String> toDrop(List<String> names, String prefix, String current, long nowMillis, int keep, Duration minAge) {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be >= 0, got " + keep);
        }
        List<String> runs = new ArrayList<>(names.stream()
                .filter(n -> !n.equals(current) && startOf(prefix, n).isPresent()).toList());
        runs.sort(Comparator.comparing((String n) -> startOf(prefix, n).orElseThrow()).reversed());
        List<String> out = new ArrayList<>();
        for (int i = keep; i < runs.size(); i++) {
            String n = runs.get(i);
            if (nowMillis - startOf(prefix, n).orElseThrow() >= minAge.toMillis()) {
                out.add(n);
            }
        }
        out.sort(Comparator.comparing((String n) -> startOf(prefix, n).orElseThrow()));
        return out;
    }

    /** Lists and drops earlier runs' databases on a daemon thread; never blocks the caller. Failures are reported, not fatal. */
    Thread pruneInBackground(String current, long nowMillis, int keep, Duration minAge) {
        Thread t = Thread.ofPlatform().daemon().name("demo-db-prune").unstarted(() -> prune(current, nowMillis, keep, minAge));
        t.start();
        return t;
    }

    private void prune(String current, long nowMillis, int keep, Duration minAge) {
        List<String> drop;
        try {
            drop = toDrop(list(), prefix, current, nowMillis, keep, minAge);
        } catch (SQLException e) {
            console.say(Console.Tone.WARN, "could not list earlier demo databases (they stay): " + e.getMessage());
            return;
        }
        for (String name : drop) {
            // The name matched prefix_[0-9a-z]+ above and the prefix is the demo's own setting: safe as an identifier.
            try (Connection c = server.open(); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name);
            } catch (SQLException e) {
                console.say(Console.Tone.WARN, "could not drop earlier demo database " + name + " (left in place): " + e.getMessage());
                return;
            }
        }
    }

    private List<String> list() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.open(); PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM system.databases WHERE startsWith(name, ?)")) {
            ps.setString(1, prefix + "_");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
