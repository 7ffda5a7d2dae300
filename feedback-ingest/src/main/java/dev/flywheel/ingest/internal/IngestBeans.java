package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.ingest.config.IngestConfig;
import dev.flywheel.contracts.config.SharedSettings;
import dev.flywheel.ingest.dlq.DeadLetterPublisher;
import dev.flywheel.ingest.feedback.EventIds;
import dev.flywheel.ingest.feedback.FeedbackService;
import dev.flywheel.ingest.metrics.IngestMetrics;
import dev.flywheel.ingest.sink.Backoff;
import dev.flywheel.ingest.sink.InsertObserver;
import dev.flywheel.ingest.sink.SinkLoop;
import dev.flywheel.ingest.sink.SinkRoutes;
import dev.flywheel.ingest.sink.SinkRunner;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

/** Wires the ingest service's plain classes for Micronaut. Every bean here is off when flywheel.ingest.enabled=false. */
@Factory
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public class IngestBeans {

    @Singleton
    @Named("ingest")
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    @Named("ingest")
    EventCodec codec(IngestConfig config) {
        return new EventCodec(config.maxEventBytes());
    }

    @Context // auth enabled without a token fails start-up, not the first request
    @Named("ingest")
    TokenAuthenticator authenticator(SharedSettings.Auth auth) {
        return auth.authenticator();
    }

    @Singleton
    @Named("ingest")
    PrometheusMeterRegistry prometheus() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @Singleton
    IngestMetrics metrics(@Named("ingest") PrometheusMeterRegistry registry) {
        return new IngestMetrics(registry);
    }

    @Singleton
    @Named("feedback")
    @Bean(preDestroy = "close")
    Producer<byte[], byte[]> feedbackProducer(SharedSettings.Kafka kafka, IngestConfig config) {
        return new KafkaProducer<>(KafkaClients.feedbackProducer(kafka.bootstrapServers(), config));
    }

    @Singleton
    FeedbackService feedbackService(@Named("feedback") Producer<byte[], byte[]> producer, SharedSettings.TopicNames topics,
                                    @Named("ingest") EventCodec codec, @Named("ingest") Clock clock, IngestConfig config,
                                    IngestMetrics metrics) {
        // Seeded from SecureRandom so that replicas never generate the same ids.
        RandomGenerator random = RandomGeneratorFactory.of("L64X256MixRandom").create(new SecureRandom().nextLong());
        return new FeedbackService(producer, topics.toTopics().feedback(), codec, clock, new EventIds(random),
                config.produceTimeout(), config.maxBatchItems(), metrics);
    }

    /** The sink: started with the context, stopped (flush + commit) with it. */
    @Context
    @Requires(property = "flywheel.ingest.sink-enabled", notEquals = "false")
    @Bean(preDestroy = "close")
    SinkRunner sink(SharedSettings.Kafka kafka, SharedSettings.ClickHouse clickhouse, SharedSettings.TopicNames topicNames,
                    IngestConfig config, @Named("ingest") EventCodec codec, @Named("ingest") Clock clock, IngestMetrics metrics) {
        ClickHouseConfig ch = clickhouse.toConfig();
        Topics topics = topicNames.toTopics();
        SinkRoutes routes = new SinkRoutes(topics, codec);
        Backoff backoff = new Backoff(config.retryBackoffMin(), config.retryBackoffMax());
        Runnable bootstrap = () -> {
            new Migrator(new ClickHouseConnections(ch)).migrate();
            try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                new TopicAdmin(admin).ensure(topics, config.topicPartitions(), (short) 1);
            }
        };
        AtomicInteger ids = new AtomicInteger();
        ClickHouseHttpWriter writer = new ClickHouseHttpWriter(ch, config.insertTimeout());
        SinkRunner runner = new SinkRunner(bootstrap, () -> {
            int id = ids.getAndIncrement();
            var consumer = new KafkaConsumer<byte[], byte[]>(KafkaClients.sinkConsumer(kafka.bootstrapServers(), config, "flywheel-ingest-sink-" + id));
            var dlq = new DeadLetterPublisher(new KafkaProducer<>(KafkaClients.deadLetterProducer(kafka.bootstrapServers(), Duration.ofSeconds(30))), metrics);
            return new SinkLoop(consumer, routes, writer, dlq, metrics, InsertObserver.NONE, config.batchBounds(), config.maxInFlightInserts(), backoff,
                    config.pollTimeout(), clock);
        }, config.consumerThreads(), backoff);
        runner.start();
        return runner;
    }
}
