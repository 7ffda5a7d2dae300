package dev.flywheel.engine;

import dev.flywheel.engine.batching.BatchScheduler;
import dev.flywheel.engine.batching.SchedulerConfig;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import java.time.Clock;

/**
 * For tests that need a full queue deterministically: with {@code test.paused-scheduler=true} the
 * scheduler is never started, so submitted requests wait until the context closes.
 */
@Factory
@Requires(property = "flywheel.engine.enabled", notEquals = "false")
@Requires(property = "test.paused-scheduler", value = "true")
final class PausedSchedulerFactory {

    @Context
    @Replaces(bean = BatchScheduler.class, factory = EngineBeans.class)
    @Bean(preDestroy = "close")
    BatchScheduler pausedScheduler(EngineConfig config, LlamaModel model, KvBlockPool pool, Clock clock) {
        ModelConfig c = model.config();
        return new BatchScheduler(model::forward, pool,
                new SchedulerConfig(config.maxBatch(), config.queueBound(), c.maxSeqLen(), config.maxPrefillTokens()),
                c.vocabSize(), c.eosToken(), clock);
    }
}
