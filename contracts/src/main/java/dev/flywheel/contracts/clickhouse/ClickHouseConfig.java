package dev.flywheel.contracts.clickhouse;

import java.net.URI;
import java.util.Objects;
import java.util.Properties;

/**
 * Where ClickHouse is: its HTTP endpoint ({@code http://host:8123}), the database Flywheel owns, and credentials.
 * The password is never printed by {@link #toString()}.
 */
public record ClickHouseConfig(URI httpUrl, String database, String user, String password) {
    public ClickHouseConfig {
        Objects.requireNonNull(httpUrl, "clickhouse http url");
        if (!"http".equals(httpUrl.getScheme()) && !"https".equals(httpUrl.getScheme())) {
            throw new IllegalArgumentException("clickhouse url must be http:// or https://, got '" + httpUrl + "'");
        }
        if (database == null || !database.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("clickhouse database must match [A-Za-z_][A-Za-z0-9_]{0,63}, got '" + database + "'");
        }
        user = user == null || user.isEmpty() ? "default" : user;
        password = password == null ? "" : password;
    }

    /** JDBC URL for {@code ru.yandex.clickhouse.ClickHouseDriver} (works from ClickHouse 18.16 to current). */
    public String jdbcUrl() {
        String scheme = "https".equals(httpUrl.getScheme()) ? "&ssl=true" : "";
        // HTTP compression is broken on 18.16 (empty bodies), so it is always off.
        return "jdbc:clickhouse://" + httpUrl.getHost() + ":" + port() + "/" + database
                + "?compress=false&decompress=false" + scheme;
    }

    public int port() {
        return httpUrl.getPort() > 0 ? httpUrl.getPort() : ("https".equals(httpUrl.getScheme()) ? 8443 : 8123);
    }

    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return p;
    }

    /** The same server with another database (tests use one database per test class). */
    public ClickHouseConfig withDatabase(String other) {
        return new ClickHouseConfig(httpUrl, other, user, password);
    }

    @Override
    public String toString() {
        return "ClickHouseConfig[" + httpUrl + ", database=" + database + ", user=" + user + "]";
    }
}
