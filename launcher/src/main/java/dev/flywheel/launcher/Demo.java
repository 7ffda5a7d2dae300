package dev.flywheel.launcher;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import java.net.URI;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * {@code ./run demo}. Until the full closed-loop demo lands (issue 9), it prepares what exists: the ClickHouse schema
 * and the Kafka topics on the configured (by default local) servers, and says what to run next.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) {
        String kafka = env("FLYWHEEL_KAFKA_BOOTSTRAP", "127.0.0.1:19092");
        URI clickhouseUrl = URI.create(env("FLYWHEEL_CLICKHOUSE_URL", "http://127.0.0.1:18123"));
        var clickhouse = new ClickHouseConfig(clickhouseUrl, env("FLYWHEEL_CLICKHOUSE_DATABASE", "flywheel"),
                env("FLYWHEEL_CLICKHOUSE_USER", "default"), env("FLYWHEEL_CLICKHOUSE_PASSWORD", ""));
        var applied = new Migrator(new ClickHouseConnections(clickhouse)).migrate();
        System.out.println("ClickHouse " + clickhouse + ": schema up to date (applied now: " + applied + ")");
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        Topics topics = Topics.standard();
        try (Admin admin = Admin.create(p)) {
            new TopicAdmin(admin).ensure(topics, 6, (short) 1);
        }
        System.out.println("Kafka " + kafka + ": topics ready: " + topics.all().stream().map(t -> t.name()).toList());
        System.out.println("The closed-loop demo (splitter → engine → feedback → retrain → ramp) is being built; "
                + "see README.md for what runs today.");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
