package dev.flywheel.engine.api;

import dev.flywheel.engine.adapters.AdapterRegistry;
import dev.flywheel.engine.batching.BatchScheduler;
import dev.flywheel.engine.cache.KvBlockPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The engine's Prometheus metrics, read from the scheduler, the KV pool and the adapter registry at
 * scrape time: queue depth, batch size, running sequences, tokens/s (last 10 s) and tokens total,
 * KV blocks used / total, prefix-cache hit rate (cached prompt tokens / prompt tokens), resident adapters.
 */
public final class EngineMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public EngineMetrics(BatchScheduler scheduler, KvBlockPool pool, AdapterRegistry adapters) {
        Gauge.builder("engine_queue_depth", scheduler, s -> s.stats().queued())
                .description("requests waiting for admission").register(registry);
        Gauge.builder("engine_batch_size", scheduler, s -> s.stats().lastBatchSize())
                .description("sequences in the most recent engine step").register(registry);
        Gauge.builder("engine_running_sequences", scheduler, s -> s.stats().running()).register(registry);
        Gauge.builder("engine_tokens_per_second", scheduler, s -> s.stats().tokensPerSecond())
                .description("tokens generated per second over the last 10 s").register(registry);
        FunctionCounter.builder("engine_generated_tokens", scheduler, s -> s.stats().generatedTokens())
                .description("tokens generated since start").register(registry);
        FunctionCounter.builder("engine_prompt_tokens", scheduler, s -> s.stats().promptTokens()).register(registry);
        FunctionCounter.builder("engine_requests_finished", scheduler, s -> s.stats().completed()).register(registry);
        Gauge.builder("engine_kv_blocks_used", pool, KvBlockPool::usedBlocks).register(registry);
        Gauge.builder("engine_kv_blocks_total", pool, KvBlockPool::totalBlocks).register(registry);
        Gauge.builder("engine_prefix_cache_hit_rate", pool, p -> p.stats().hitRate())
                .description("prompt tokens served from the prefix cache / prompt tokens looked up").register(registry);
        Gauge.builder("engine_resident_adapters", adapters, AdapterRegistry::residentCount).register(registry);
        Gauge.builder("engine_registered_adapters", adapters, a -> a.names().size()).register(registry);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
