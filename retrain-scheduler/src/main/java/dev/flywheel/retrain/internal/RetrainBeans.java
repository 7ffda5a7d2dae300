package dev.flywheel.retrain.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.eval.evaluators.EvaluatorBackends;
import dev.flywheel.eval.evaluators.EvaluatorCompiler;
import dev.flywheel.eval.registry.DefinitionCodec;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.internal.KafkaRegistryStore;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.retrain.dataset.DatasetBuilder;
import dev.flywheel.retrain.dataset.SnapshotStore;
import dev.flywheel.retrain.deploy.Deployer;
import dev.flywheel.retrain.deploy.HttpAdapterLoader;
import dev.flywheel.retrain.deploy.HttpExperimentLauncher;
import dev.flywheel.retrain.deploy.KafkaModelRegistry;
import dev.flywheel.retrain.gate.EngineOfflineEvaluation;
import dev.flywheel.retrain.gate.Gate;
import dev.flywheel.retrain.policy.PolicyJson;
import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.runs.ClickHouseMetricsSink;
import dev.flywheel.retrain.runs.ClickHouseRunStore;
import dev.flywheel.retrain.runs.LocalRunLease;
import dev.flywheel.retrain.runs.RetrainService;
import dev.flywheel.retrain.runs.RunJson;
import dev.flywheel.retrain.runs.RunPipeline;
import dev.flywheel.contracts.config.SharedSettings;
import dev.flywheel.contracts.leadership.PartitionLeadership;
import dev.flywheel.retrain.schedule.NightlyScheduler;
import dev.flywheel.retrain.trainer.BuiltInGrpoTrainer;
import dev.flywheel.retrain.trainer.ExternalCommandTrainer;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Wires the retrain scheduler: stores on ClickHouse, registry on Kafka, rewards from the shared evaluator registry. */
@Factory
@Requires(property = "flywheel.retrain.enabled", notEquals = "false")
public class RetrainBeans {
    static final String Q = "retrain";

    @Singleton
    @Named(Q)
    Clock retrainClock() {
        return Clock.systemUTC();
    }

    @Singleton
    @Named(Q)
    ObjectMapper retrainMapper() {
        return new ObjectMapper();
    }

    @Context // auth enabled without a token fails start-up, not the first request
    @Named(Q)
    TokenAuthenticator retrainAuthenticator(SharedSettings.Auth auth) {
        return auth.authenticator();
    }

    @Singleton
    ClickHouseConnections retrainClickHouse(SharedSettings.ClickHouse ch) {
        return new ClickHouseConnections(ch.toConfig());
    }

    @Singleton
    @Named("retrain-scoring")
    @Bean(preDestroy = "shutdownNow")
    ExecutorService retrainScoringExecutor() {
        return Executors.newVirtualThreadPerTaskExecutor();
    }

    @Singleton
    Rewards retrainRewards(SharedSettings.Kafka kafka, SharedSettings.TopicNames topics, @Named(Q) Clock clock, @Named(Q) ObjectMapper mapper,
                           @Named("retrain-scoring") ExecutorService retrainScoringExecutor) {
        DefinitionCodec codec = new DefinitionCodec();
        EvaluatorRegistry registry = new EvaluatorRegistry(new KafkaRegistryStore(kafka.bootstrapServers(), topics.prefix(), codec),
                new EvaluatorCompiler(new EvaluatorBackends(HttpClient.newHttpClient(), clock, 1L, mapper, Optional.empty(),
                        Optional.empty(), Duration.ofMillis(250))), codec, clock);
        return new Rewards(registry, retrainScoringExecutor);
    }

    @Singleton
    PolicyStore retrainPolicies(RetrainConfig config, @Named(Q) ObjectMapper mapper) {
        PolicyStore store = new PolicyStore();
        if (config.policiesFile() != null) {
            try {
                JsonNode root = mapper.readTree(Files.readAllBytes(config.policiesFile()));
                PolicyJson json = new PolicyJson(mapper);
                for (JsonNode p : root.path("policies")) {
                    store.put(json.parse(p));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("flywheel.retrain.policies-file " + config.policiesFile() + " is unreadable", e);
            }
        }
        return store;
    }

    @Singleton
    @Bean(preDestroy = "close")
    LeadershipHandle retrainLeadership(RetrainConfig config, SharedSettings.Kafka kafka, SharedSettings.TopicNames topics) {
        return new LeadershipHandle(config.leaderElection()
                ? new PartitionLeadership(kafka.bootstrapServers(), topics.toTopics().models().name(), "flywheel-retrain-lease", "retrain scheduler")
                : null);
    }

    @Singleton
    @Named("retrain-run")
    @Bean(preDestroy = "shutdownNow")
    ExecutorService retrainRunExecutor() {
        return Executors.newSingleThreadExecutor(Thread.ofPlatform().name("retrain-run").factory());
    }

    @Singleton
    RetrainService retrainService(RetrainConfig config, PolicyStore policies, ClickHouseConnections ch, @Named(Q) ObjectMapper mapper,
                                  Rewards rewards, LeadershipHandle leadership, @Named("retrain-run") ExecutorService retrainRunExecutor,
                                  SharedSettings.Kafka kafka, SharedSettings.TopicNames topics, @Named(Q) Clock clock) {
        ClickHouseRunStore store = new ClickHouseRunStore(ch, new RunJson(mapper));
        Kernels kernels = Kernels.best();
        HttpClient http = HttpClient.newHttpClient();
        KafkaModelRegistry registry = new KafkaModelRegistry(kafka.bootstrapServers(), topics.toTopics().models().name(), mapper);
        RunPipeline pipeline = new RunPipeline(store, new DatasetBuilder(ch, mapper, clock),
                new SnapshotStore(config.workDir().resolve("datasets"), mapper),
                kind -> "external".equals(kind) ? new ExternalCommandTrainer() : new BuiltInGrpoTrainer(rewards, kernels),
                p -> new Gate(new EngineOfflineEvaluation(p.baseModelDir(), rewards, kernels, 16)),
                p -> new Deployer(config.adapterDir(), registry,
                        p.deploy().engineUrl() == null ? null : new HttpAdapterLoader(http, p.deploy().engineUrl(), config.serviceToken(), mapper),
                        p.deploy().splitterUrl() == null ? null : new HttpExperimentLauncher(http, p.deploy().splitterUrl(), config.serviceToken(), mapper,
                                p.deploy().experiment()),
                        clock),
                new ClickHouseMetricsSink(ch, clock), config.workDir(), clock);
        RetrainService service = new RetrainService(policies, store,
                new LocalRunLease(leadership.leadership() == null ? b -> true : leadership.leadership()::leads), pipeline,
                retrainRunExecutor, clock, new SplittableRandom(config.seed()));
        service.recover();
        return service;
    }

    /** Starts the schedule ticks at start-up (a @Context bean), stopped with the context. */
    @Context
    @Named("retrain-cron")
    @Bean(preDestroy = "shutdownNow")
    ScheduledExecutorService retrainTicker(RetrainConfig config, PolicyStore policies, RetrainService service, @Named(Q) Clock clock) {
        NightlyScheduler scheduler = new NightlyScheduler(policies, service, clock);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("retrain-cron").factory());
        ticker.scheduleAtFixedRate(scheduler::tick, config.tickSeconds(), config.tickSeconds(), TimeUnit.SECONDS);
        return ticker;
    }

    /** Holds the optional Kafka leadership so the context can close it. */
    public record LeadershipHandle(PartitionLeadership leadership) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            if (leadership != null) {
                leadership.close();
            }
        }
    }
}
