package dev.flywheel.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.auth.TokenAuthenticator;
import dev.flywheel.contracts.config.SharedSettings;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.engine.adapters.AdapterRegistry;
import dev.flywheel.engine.api.CompletionService;
import dev.flywheel.engine.api.EngineMetrics;
import dev.flywheel.engine.api.ModelService;
import dev.flywheel.engine.batching.BatchScheduler;
import dev.flywheel.engine.batching.SchedulerConfig;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.chat.ChatTemplate;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.kernels.Kernels;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Wires the engine: model, tokenizer, KV pool, adapter registry and the scheduler (started eagerly,
 * so a bad model directory or configuration fails start-up), plus the services the controllers use.
 * Every bean is off with {@code flywheel.engine.enabled=false}.
 */
@Factory
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
final class EngineBeans {

    /** Eager, so auth enabled without tokens (or a short token) fails start-up rather than the first request. */
    @Context
    TokenAuthenticator authenticator(SharedSettings.Auth auth) {
        return auth.authenticator();
    }

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Seeds requests that carry no seed; requests with a seed never touch it. */
    @Singleton
    @Named("engine")
    RandomGenerator random() {
        return RandomGeneratorFactory.of("L64X128MixRandom").create();
    }

    @Singleton
    @Named("engine")
    ObjectMapper mapper() {
        return EventCodec.newMapper();
    }

    @Singleton
    Kernels kernels(EngineConfig config) {
        return config.kernels().equals("best") ? Kernels.best() : Kernels.named(config.kernels());
    }

    @Singleton
    @Bean(preDestroy = "close")
    LlamaModel model(EngineConfig config, Kernels kernels) {
        int threads = config.matmulThreads() == 0 ? Runtime.getRuntime().availableProcessors() : config.matmulThreads();
        return LlamaModel.load(config.modelDir(), kernels, threads, config.matmulPartsPerThread());
    }

    @Singleton
    KvBlockPool kvBlockPool(EngineConfig config, LlamaModel model) {
        ModelConfig c = model.config();
        return new KvBlockPool(c.nLayers(), c.kvDim(), config.kvBlocks(), config.blockSize());
    }

    @Singleton
    AdapterRegistry adapterRegistry(EngineConfig config, LlamaModel model) {
        ModelConfig base = model.config();
        return new AdapterRegistry(config.servedModelName(), config.maxResidentAdapters(),
                (name, dir) -> LoraAdapter.load(dir, base, name).storedAs(config.residentAdapterDtype()));
    }

    @Context
    @Bean(preDestroy = "close")
    BatchScheduler scheduler(EngineConfig config, LlamaModel model, KvBlockPool pool, Clock clock) {
        ModelConfig c = model.config();
        BatchScheduler scheduler = new BatchScheduler(model::forward, model::splitRows, pool,
                new SchedulerConfig(config.maxBatch(), config.queueBound(), c.maxSeqLen(), config.maxPrefillTokens()),
                c.vocabSize(), c.eosToken(), clock);
        scheduler.start();
        return scheduler;
    }

    @Singleton
    CompletionService completionService(EngineConfig config, LlamaModel model, AdapterRegistry adapters,
                                        BatchScheduler scheduler, @Named("engine") ObjectMapper mapper,
                                        @Named("engine") RandomGenerator random, Clock clock) {
        Path dir = config.modelDir();
        Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        Path tokenizerConfig = dir.resolve("tokenizer_config.json");
        ChatTemplate template = Files.isRegularFile(tokenizerConfig) ? ChatTemplate.load(tokenizerConfig) : null;
        ModelConfig c = model.config();
        return new CompletionService(new CompletionService.ServedModel(config.servedModelName(), tokenizer, template,
                c.bosToken(), c.maxSeqLen()), adapters, scheduler, mapper, random, clock);
    }

    @Singleton
    ModelService modelService(EngineConfig config, AdapterRegistry adapters, @Named("engine") ObjectMapper mapper, Clock clock) {
        return new ModelService(config.servedModelName(), adapters, mapper, clock);
    }

    @Singleton
    EngineMetrics engineMetrics(BatchScheduler scheduler, KvBlockPool pool, AdapterRegistry adapters) {
        return new EngineMetrics(scheduler, pool, adapters);
    }
}
