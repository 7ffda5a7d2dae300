package dev.flywheel.eval.internal;

import dev.flywheel.contracts.config.SharedSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.eval.datasets.DatasetParser;
import dev.flywheel.eval.datasets.DatasetStore;
import dev.flywheel.eval.evaluators.EvaluatorBackends;
import dev.flywheel.eval.evaluators.EvaluatorCompiler;
import dev.flywheel.eval.registry.DefinitionCodec;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.internal.KafkaRegistryStore;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.eval.runs.EvalRuns;
import dev.flywheel.eval.runs.internal.ChatClient;
import dev.flywheel.eval.runs.internal.RunStore;
import dev.flywheel.eval.scoring.RequestSampler;
import dev.flywheel.eval.scoring.ScoringConsumer;
import dev.flywheel.eval.scoring.ScoringService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Wires the framework-free service classes into the Micronaut context. Nothing here holds logic. */
@Factory
@Requires(property = "flywheel.eval.enabled", notEquals = "false")
public class EvalBeans {
    public static final String EXECUTOR = "flywheel-eval";

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    PrometheusMeterRegistry meters() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @Singleton
    DefinitionCodec definitionCodec() {
        return new DefinitionCodec();
    }

    @Singleton
    EventCodec eventCodec() {
        return new EventCodec();
    }

    /** Virtual threads for evaluations, run items and reward groups (named: Micronaut has executors of its own). */
    @Singleton
    @Named(EXECUTOR)
    @Bean(preDestroy = "shutdownNow")
    ExecutorService evalExecutor() {
        return Executors.newVirtualThreadPerTaskExecutor();
    }

    @Context // auth enabled without a token fails start-up, not the first request
    TokenAuthenticator authenticator(SharedSettings.Auth auth) {
        return auth.authenticator();
    }

    @Singleton
    Topics topics(SharedSettings.TopicNames t) {
        return t.toTopics();
    }

    @Singleton
    EvaluatorCompiler compiler(EvalConfig config, Clock clock, DefinitionCodec codec) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        Optional<EvaluatorBackends.OpenAiEndpoint> judge = Optional.ofNullable(config.judgeBaseUrl())
                .map(u -> new EvaluatorBackends.OpenAiEndpoint(u, config.judgeModel(), config.judgeApiKey()));
        Optional<EvaluatorBackends.OpenAiEndpoint> embeddings = Optional.ofNullable(config.embeddingBaseUrl())
                .map(u -> new EvaluatorBackends.OpenAiEndpoint(u, config.embeddingModel(), config.embeddingApiKey()));
        return new EvaluatorCompiler(new EvaluatorBackends(http, clock, config.jitterSeed(), codec.mapper(), judge, embeddings,
                Duration.ofMillis(config.regexBudgetMs())));
    }

    @Singleton
    @Bean(preDestroy = "close")
    KafkaRegistryStore registryStore(SharedSettings.Kafka kafka, SharedSettings.TopicNames topics, DefinitionCodec codec) {
        return new KafkaRegistryStore(kafka.bootstrapServers(), topics.prefix(), codec);
    }

    @Singleton
    EvaluatorRegistry registry(KafkaRegistryStore store, EvaluatorCompiler compiler, DefinitionCodec codec, Clock clock) {
        return new EvaluatorRegistry(store, compiler, codec, clock);
    }

    @Singleton
    ClickHouseConnections clickhouse(SharedSettings.ClickHouse ch) {
        ClickHouseConnections connections = new ClickHouseConnections(ch.toConfig());
        new Migrator(connections).migrate(); // idempotent; every service applies the shared migrations at start
        return connections;
    }

    @Singleton
    DatasetStore datasetStore(ClickHouseConnections ch, DefinitionCodec codec) {
        return new DatasetStore(ch, codec.mapper());
    }

    @Singleton
    DatasetParser datasetParser(EvalConfig config, DefinitionCodec codec) {
        return new DatasetParser(codec.mapper(), config.maxDatasetItems());
    }

    @Singleton
    EvalRuns evalRuns(EvalConfig config, DatasetStore datasets, EvaluatorRegistry registry, ClickHouseConnections ch,
                      @Named(EXECUTOR) ExecutorService executor, Clock clock, DefinitionCodec codec) {
        ObjectMapper mapper = codec.mapper();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        return new EvalRuns(datasets, registry, new ChatClient(http, mapper, Duration.ofMillis(config.generationTimeoutMs()), 2),
                new RunStore(ch, mapper), executor, clock, config.confidence());
    }

    @Singleton
    Rewards rewards(EvaluatorRegistry registry, @Named(EXECUTOR) ExecutorService executor) {
        return new Rewards(registry, executor);
    }

    @Singleton
    ScoringService scoringService(EvalConfig config, EvaluatorRegistry registry, @Named(EXECUTOR) ExecutorService executor, Clock clock,
                                  DefinitionCodec codec, PrometheusMeterRegistry meters) {
        return new ScoringService(registry, new RequestSampler(), executor, Duration.ofMillis(config.evaluationTimeoutMs()),
                clock, codec.mapper(), meters);
    }

    @Context
    @Requires(property = "flywheel.eval.scoring-enabled", notEquals = "false")
    @Bean(preDestroy = "close")
    ScoringConsumer scoringConsumer(EvalConfig config, SharedSettings.Kafka kafka, Topics topics, EventCodec codec,
                                    ScoringService service, EvaluatorRegistry registry, Clock clock, PrometheusMeterRegistry meters) {
        ScoringConsumer consumer = new ScoringConsumer(kafka.bootstrapServers(), config.consumerGroup(), topics, codec, service,
                registry, Duration.ofMillis(config.registryRefreshMs()), clock, meters);
        consumer.start();
        return consumer;
    }
}
