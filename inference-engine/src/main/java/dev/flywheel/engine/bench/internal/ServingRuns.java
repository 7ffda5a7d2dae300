package dev.flywheel.engine.bench.internal;

import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.batching.BatchScheduler;
import dev.flywheel.engine.batching.GenerationException;
import dev.flywheel.engine.batching.GenerationListener;
import dev.flywheel.engine.batching.GenerationRequest;
import dev.flywheel.engine.batching.GenerationResult;
import dev.flywheel.engine.batching.SchedulerConfig;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.sampling.SamplingParams;
import java.time.Clock;
import java.util.Arrays;
import java.util.random.RandomGeneratorFactory;

/**
 * Drives the real serving path (KV block pool + continuous-batching scheduler + model) step by step
 * on the calling thread and times it with System.nanoTime.
 */
public final class ServingRuns {
    private final LlamaModel model;
    private final ModelConfig config;
    private final int kvBlocks;
    private final int blockSize;

    public ServingRuns(LlamaModel model, int kvBlocks, int blockSize) {
        this.model = model;
        this.config = model.config();
        this.kvBlocks = kvBlocks;
        this.blockSize = blockSize;
    }

    public KvBlockPool newPool() {
        return new KvBlockPool(config.nLayers(), config.kvDim(), kvBlocks, blockSize);
    }

    public BatchScheduler scheduler(KvBlockPool pool, int maxBatch) {
        // eos -1: every request runs for exactly its max_tokens, so runs are comparable.
        return new BatchScheduler(model::forward, pool, new SchedulerConfig(maxBatch, 1024, config.maxSeqLen(), 1 << 20),
                config.vocabSize(), -1, Clock.systemUTC());
    }

    /**
     * Decode tokens per second of {@code adapters.length} sequences decoding together (null = base):
     * one step prefills every prompt, then {@code decodeSteps} timed steps each decode one token per sequence.
     */
    public double decodeTokensPerSecond(ResidentAdapter[] adapters, int promptLength, int decodeSteps, int seed) {
        int batch = adapters.length;
        BatchScheduler s = scheduler(newPool(), batch);
        int[] produced = new int[1];
        for (int i = 0; i < batch; i++) {
            s.submit(request("d" + i, prompt(seed * 1000 + i, promptLength), adapters[i], 1 + decodeSteps, (t, now) -> produced[0]++));
        }
        s.step();
        if (produced[0] != batch) {
            throw new IllegalStateException("prefill step produced " + produced[0] + " tokens for " + batch + " sequences");
        }
        long start = System.nanoTime();
        for (int i = 0; i < decodeSteps; i++) {
            s.step();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (produced[0] != batch * (1 + decodeSteps) || s.step()) {
            throw new IllegalStateException("decode did not finish as planned: " + produced[0] + " tokens");
        }
        return batch * (double) decodeSteps / seconds;
    }

    /** Seconds from submission to the first token for one prompt, on a given pool (cold or warm prefix). */
    public double timeToFirstToken(KvBlockPool pool, int[] prompt) {
        BatchScheduler s = scheduler(pool, 1);
        long[] first = {-1};
        long start = System.nanoTime();
        s.submit(request("ttft", prompt, null, 1, (t, now) -> first[0] = now));
        while (s.step()) {
            // until the single token is out
        }
        if (first[0] < 0) {
            throw new IllegalStateException("no token was produced");
        }
        return (first[0] - start) / 1e9;
    }

    public int[] prompt(int seed, int length) {
        int[] p = new int[length];
        long x = 0x9E3779B97F4A7C15L * (seed + 1);
        for (int i = 0; i < length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            p[i] = (int) Math.floorMod(x, (long) config.vocabSize());
        }
        return p;
    }

    private interface TokenSink {
        void token(int token, long nanoTime);
    }

    private static GenerationRequest request(String id, int[] prompt, ResidentAdapter adapter, int maxTokens, TokenSink sink) {
        return new GenerationRequest(id, prompt, adapter, SamplingParams.greedy(maxTokens),
                RandomGeneratorFactory.of("L64X128MixRandom").create(1), Arrays::toString, new GenerationListener() {
                    @Override
                    public void onToken(int token, String textDelta) {
                        sink.token(token, System.nanoTime());
                    }

                    @Override
                    public void onComplete(GenerationResult result) {
                    }

                    @Override
                    public void onError(GenerationException error) {
                        throw new IllegalStateException("benchmark request " + id + " failed", error);
                    }
                });
    }
}
