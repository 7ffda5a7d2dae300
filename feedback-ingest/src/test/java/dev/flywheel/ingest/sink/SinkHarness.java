package dev.flywheel.ingest.sink;

import dev.flywheel.contracts.clickhouse.Migrator;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.ingest.config.IngestConfig;
import dev.flywheel.ingest.dlq.DeadLetterPublisher;
import dev.flywheel.ingest.internal.ClickHouseHttpWriter;
import dev.flywheel.ingest.internal.KafkaClients;
import dev.flywheel.ingest.metrics.IngestMetrics;
import dev.flywheel.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/** Runs real {@link SinkLoop}s against a test class's Kafka and ClickHouse, and reads back what they did. */
final class SinkHarness {
    private final TestServices services;
    final IngestMetrics metrics = new IngestMetrics(new SimpleMeterRegistry());

    SinkHarness(TestServices services) {
        this.services = services;
    }

    /** A running loop, its thread, and the error it died of (if any). */
    record Running(SinkLoop loop, Thread thread, AtomicReference<Throwable> died) {
        void stop() throws InterruptedException {
            loop.stop();
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    ClickHouseHttpWriter writer() {
        return new ClickHouseHttpWriter(services.clickhouse(), Duration.ofSeconds(30));
    }

    Running start(String group, TableWriter writer, BatchBounds bounds, int maxPollRecords, int maxEventBytes) {
        IngestConfig config = IngestConfig.defaults().withConsumerGroup(services.namespace() + "-" + group);
        Properties props = KafkaClients.sinkConsumer(services.kafkaBootstrap(), config, "test-" + group);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        var consumer = new KafkaConsumer<byte[], byte[]>(props);
        var dlq = new DeadLetterPublisher(new KafkaProducer<>(KafkaClients.deadLetterProducer(services.kafkaBootstrap(), Duration.ofSeconds(20))), metrics);
        SinkLoop loop = new SinkLoop(consumer, new SinkRoutes(services.topics(), new EventCodec(maxEventBytes)), writer, dlq, metrics,
                InsertObserver.NONE, bounds, 2, new Backoff(Duration.ofMillis(50), Duration.ofMillis(400)), Duration.ofMillis(50), Clock.systemUTC());
        AtomicReference<Throwable> died = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("sink-" + group).start(() -> {
            try {
                loop.run();
            } catch (Throwable e) {
                died.set(e);
            }
        });
        return new Running(loop, t, died);
    }

    Running start(String group) {
        return start(group, writer(), new BatchBounds(500, 1 << 20, Duration.ofMillis(100)), 500, 1 << 20);
    }

    /** Committed offsets of a sink group, by partition (absent = never committed). */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        try (Admin admin = Admin.create(services.adminProperties())) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(services.namespace() + "-" + group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return m.entrySet().stream().filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    /** True when the group has committed every partition of the routed topics up to its end. */
    boolean committedToEnd(String group) throws Exception {
        Map<TopicPartition, Long> committed = committed(group);
        try (Admin admin = Admin.create(services.adminProperties())) {
            var names = new SinkRoutes(services.topics(), new EventCodec()).topicNames();
            var partitions = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition()))).toList();
            var ends = admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get(30, TimeUnit.SECONDS);
            for (TopicPartition p : partitions) {
                long end = ends.get(p).offset();
                if (end > 0 && committed.getOrDefault(p, 0L) < end) {
                    return false;
                }
            }
            return true;
        }
    }

    long query(String sql) throws SQLException {
        try (Connection c = services.clickhouseConnections().open(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Migrator.qualify(sql, services.clickhouse().database()))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    String queryString(String sql) throws SQLException {
        try (Connection c = services.clickhouseConnections().open(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(Migrator.qualify(sql, services.clickhouse().database()))) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Rows as queries see them: FINAL collapses re-deliveries of an event_id. */
    long finalCount(String table) throws SQLException {
        return query("SELECT count() FROM ${db}." + table + " FINAL");
    }

    long distinctIds(String table) throws SQLException {
        return query("SELECT uniqExact(event_id) FROM ${db}." + table);
    }

    long rawCount(String table) throws SQLException {
        return query("SELECT count() FROM ${db}." + table);
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} passes (then fails naming {@code what}). */
    static void await(String what, Duration timeout, CheckedCondition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll interval
        }
        fail("timed out after " + timeout + " waiting for " + what);
    }

    @FunctionalInterface
    interface CheckedCondition {
        boolean holds() throws Exception;
    }
}
