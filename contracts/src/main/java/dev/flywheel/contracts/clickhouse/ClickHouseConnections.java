package dev.flywheel.contracts.clickhouse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Opens JDBC connections with the driver that works from 18.16 to current ClickHouse. */
public final class ClickHouseConnections {
    private final ClickHouseConfig config;

    public ClickHouseConnections(ClickHouseConfig config) {
        this.config = config;
        try {
            Class.forName("ru.yandex.clickhouse.ClickHouseDriver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("ru.yandex.clickhouse:clickhouse-jdbc is not on the classpath", e);
        }
    }

    public ClickHouseConfig config() {
        return config;
    }

    /** A connection to Flywheel's database. */
    public Connection open() throws SQLException {
        return DriverManager.getConnection(config.jdbcUrl(), config.jdbcProperties());
    }

    /** A connection to the server's {@code default} database (to create Flywheel's database). */
    public Connection openServer() throws SQLException {
        return DriverManager.getConnection(config.withDatabase("default").jdbcUrl(), config.jdbcProperties());
    }
}
