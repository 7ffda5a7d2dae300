package dev.flywheel.testsupport;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class real services: {@code @ExtendWith(FlywheelServicesExtension.class)} and take a
 * {@link TestServices} parameter (constructor, {@code @BeforeAll}, or test method). Each class gets its own migrated
 * ClickHouse database and its own topic namespace, dropped afterwards. When Kafka or ClickHouse cannot be reached
 * the class fails with a message saying how to start them; nothing is skipped.
 */
public final class FlywheelServicesExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FlywheelServicesExtension.class);
    private static final int PARTITIONS = 3;

    @Override
    public void beforeAll(ExtensionContext context) {
        ServiceEndpoints endpoints = context.getRoot().getStore(NS)
                .computeIfAbsent(ServiceEndpoints.class, k -> ServiceEndpoints.resolve(), ServiceEndpoints.class);
        String namespace = namespaceFor(context.getRequiredTestClass());
        ClickHouseConfig clickhouse = new ClickHouseConfig(endpoints.clickhouseUrl(), namespace, "default", "");
        new Migrator(new ClickHouseConnections(clickhouse)).migrate();
        Topics topics = new Topics(namespace + ".");
        TestServices services = new TestServices(endpoints.kafkaBootstrap(), clickhouse, topics, namespace);
        try (Admin admin = Admin.create(services.adminProperties())) {
            new TopicAdmin(admin).ensure(topics, PARTITIONS, (short) 1);
            awaitLeaders(admin, topicNames(topics));
        }
        context.getStore(NS).put(TestServices.class, services);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        TestServices services = context.getStore(NS).remove(TestServices.class, TestServices.class);
        if (services == null || Boolean.parseBoolean(System.getenv("FLYWHEEL_TEST_KEEP_DATA"))) {
            return;
        }
        try (Connection c = services.clickhouseConnections().openServer(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + services.clickhouse().database());
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test database " + services.clickhouse().database(), e);
        }
        try (Admin admin = Admin.create(services.adminProperties())) {
            admin.deleteTopics(topicNames(services.topics())).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> topicNames(Topics topics) {
        List<String> names = new ArrayList<>();
        for (Topic t : topics.all()) {
            names.add(t.name());
            names.add(t.dlq());
        }
        return names;
    }

    /**
     * Waits until every partition of the new topics has a leader. On a busy broker, creation returns before the
     * leaders are known everywhere, and a producer that starts then can be refused (NOT_LEADER_OR_FOLLOWER) and end
     * with an expired batch instead of a test result.
     */
    private static void awaitLeaders(Admin admin, List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                var described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = described.values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // not visible yet: UnknownTopicOrPartition while the metadata propagates; retried below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topic leaders", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the test topics " + names + " had no leader 60 s after creation: is the Kafka broker overloaded?");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topic leaders", e);
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestServices.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ExtensionContext ctx = extensionContext;
        while (ctx != null) {
            TestServices s = ctx.getStore(NS).get(TestServices.class, TestServices.class);
            if (s != null) {
                return s;
            }
            ctx = ctx.getParent().orElse(null);
        }
        throw new IllegalStateException("TestServices are only available once the class's @BeforeAll phase has run "
                + "(use the extension on the class and take TestServices in a test method, @BeforeAll or @BeforeEach)");
    }

    /** A short unique name: t_<class>_<random>, valid as a ClickHouse database and a topic prefix. */
    static String namespaceFor(Class<?> testClass) {
        String simple = testClass.getSimpleName().replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT);
        if (simple.length() > 30) {
            simple = simple.substring(0, 30);
        }
        // Unique per run, not a sampling decision: test data never depends on it.
        return "t_" + simple + "_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36);
    }
}
