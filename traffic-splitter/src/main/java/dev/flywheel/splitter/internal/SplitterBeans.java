package dev.flywheel.splitter.internal;

import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.TopicAdmin;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.splitter.assignment.Assigner;
import dev.flywheel.contracts.config.SharedSettings;
import dev.flywheel.splitter.config.SplitterConfig;
import dev.flywheel.splitter.events.EventEmitter;
import dev.flywheel.splitter.events.KafkaEventSink;
import dev.flywheel.splitter.proxy.BackendTransport;
import dev.flywheel.splitter.proxy.internal.JdkTransport;
import dev.flywheel.splitter.proxy.internal.NettyTransport;
import dev.flywheel.splitter.experiments.ExperimentJson;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.ExperimentStore;
import dev.flywheel.splitter.experiments.StoreUnavailableException;
import dev.flywheel.splitter.experiments.TopicExperimentStore;
import dev.flywheel.splitter.metrics.SplitterMetrics;
import dev.flywheel.splitter.proxy.HttpBackendProbe;
import dev.flywheel.splitter.proxy.ProxyService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.admin.Admin;

/** Wires the framework-free services of the splitter into Micronaut; the store and the event emitter start eagerly. */
@Factory
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public class SplitterBeans {

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    PrometheusMeterRegistry prometheus() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @Context
    SplitterMetrics metrics(PrometheusMeterRegistry registry) {
        return new SplitterMetrics(registry);
    }

    @Singleton
    ExperimentJson experimentJson() {
        return new ExperimentJson();
    }

    @Context // auth enabled without a token fails start-up, not the first request
    TokenAuthenticator authenticator(SharedSettings.Auth auth) {
        return auth.authenticator();
    }

    @Singleton
    Topics topics(SharedSettings.TopicNames names) {
        return names.toTopics();
    }

    @Context
    @Bean(preDestroy = "close")
    TopicExperimentStore experimentStore(SharedSettings.Kafka kafka, Topics topics, ExperimentJson json, SplitterConfig config) {
        var props = new java.util.Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("request.timeout.ms", Long.toString(config.storeTimeout().toMillis()));
        props.put("default.api.timeout.ms", Long.toString(config.storeTimeout().toMillis()));
        try (Admin admin = Admin.create(props)) {
            new TopicAdmin(admin).ensure(topics, config.topicPartitions(), (short) 1);
        } catch (IllegalStateException e) {
            throw new StoreUnavailableException("cannot prepare Kafka topics at " + kafka.bootstrapServers() + ": " + e.getMessage(), e);
        }
        return new TopicExperimentStore(kafka.bootstrapServers(), topics.experiments(), json, config.storeTimeout());
    }

    @Singleton
    HttpClient backendClient(SplitterConfig config) {
        // HTTP/1.1: OpenAI-compatible servers (vLLM, SGLang, the engine) speak it; h2c upgrade only adds a round trip.
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    @Singleton
    ExperimentService experimentService(ExperimentStore store, HttpClient http, SplitterConfig config, Clock clock) {
        // Salts only need to be unpredictable and distinct; tests construct the service with a seeded generator.
        RandomGenerator saltRandom = new SecureRandom();
        return new ExperimentService(store, new HttpBackendProbe(http, config.probeTimeout()), clock, saltRandom);
    }

    @Singleton
    Assigner assigner() {
        return new Assigner();
    }

    @Context
    @Bean(preDestroy = "close")
    EventEmitter eventEmitter(SharedSettings.Kafka kafka, Topics topics, SplitterConfig config, SplitterMetrics metrics) {
        var sink = new KafkaEventSink(kafka.bootstrapServers(), topics.inference(), new EventCodec(), config.storeTimeout(), config.eventLinger());
        return new EventEmitter(sink, config.eventBuffer(), metrics);
    }

    /** Non-streaming backend calls: on the caller's Netty event loop where there is one (see {@link NettyTransport}). */
    @Singleton
    @Bean(preDestroy = "close")
    BackendTransport backendTransport(SplitterConfig config, HttpClient http) {
        JdkTransport jdk = new JdkTransport(http);
        return config.fastPath() ? new NettyTransport(jdk, config.connectTimeout(), config.maxResponseBytes(), 256) : jdk;
    }

    @Singleton
    ProxyService proxyService(SplitterConfig config, ExperimentStore store, Assigner assigner, EventEmitter emitter,
                              SplitterMetrics metrics, HttpClient http, BackendTransport transport, Clock clock) {
        return new ProxyService(config, store, assigner, emitter, metrics, http, transport, clock, EventCodec.newMapper(),
                new SecureRandom());
    }
}
