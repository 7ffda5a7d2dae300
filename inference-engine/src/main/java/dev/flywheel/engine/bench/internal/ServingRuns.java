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
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.Arrays;
import java.util.random.RandomGeneratorFactory;

/**
 * Drives the real serving path (KV block pool + continuous-batching scheduler + model) step by step
 * on the calling thread and times it with System.nanoTime.
 */
public final class ServingRuns {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final LlamaModel model;
    private final ModelConfig config;
    private final int kvBlocks;
    private final int blockSize;
    private KvBlockPool decodePool;

    public ServingRuns(LlamaModel model, int kvBlocks, int blockSize) {
        this.model = model;
        this.config = model.config();
        this.kvBlocks = kvBlocks;
        this.blockSize = blockSize;
    }

    public KvBlockPool newPool() {
        return new KvBlockPool(config.nLayers(), config.kvDim(), kvBlocks, blockSize);
    }

    /**
     * The pool every decode round runs on, as a server keeps one pool for its life. A fresh pool per
     * round (226 MB for the 15M model) put young collections of 0.2-0.4 s, copying the live pools,
     * inside timed rounds of ~0.2 s (-Xlog:gc, 2026-12-05). A round's prompt blocks may come from an
     * earlier round's prefix cache; that shortens only the untimed prefill.
     */
    private KvBlockPool decodePool() {
        if (decodePool == null) {
            decodePool = newPool();
        }
        return decodePool;
    }

    public BatchScheduler scheduler(KvBlockPool pool, int maxBatch) {
        // eos -1: every request runs for exactly its max_tokens, so runs are comparable.
        return new BatchScheduler(model::forward, model::splitRows, pool,
                new SchedulerConfig(maxBatch, 1024, config.maxSeqLen(), 1 << 20),
                config.vocabSize(), -1, Clock.systemUTC());
    }

    /**
     * Decoded tokens per wall-clock second and per CPU-second of the threads doing the work (the calling
     * thread plus the forward's "engine-rows-*" workers). On a shared machine the CPU rate is the one
     * that descheduling does not disturb.
     */
    public record Rate(double perWallSecond, double perCpuSecond) {}

    /** {@link #decodeRate}'s wall-clock figure. */
    public double decodeTokensPerSecond(ResidentAdapter[] adapters, int promptLength, int decodeSteps, int seed) {
        return decodeRate(adapters, promptLength, decodeSteps, seed).perWallSecond();
    }

    /**
     * Decode rate of {@code adapters.length} sequences decoding together (null = base): one step
     * prefills every prompt, then {@code decodeSteps} timed steps each decode one token per sequence.
     */
    public Rate decodeRate(ResidentAdapter[] adapters, int promptLength, int decodeSteps, int seed) {
        int batch = adapters.length;
        BatchScheduler s = scheduler(decodePool(), batch);
        int[] produced = new int[1];
        for (int i = 0; i < batch; i++) {
            s.submit(request("d" + i, prompt(seed * 1000 + i, promptLength), adapters[i], 1 + decodeSteps, (t, now) -> produced[0]++));
        }
        s.step();
        if (produced[0] != batch) {
            throw new IllegalStateException("prefill step produced " + produced[0] + " tokens for " + batch + " sequences");
        }
        long cpuStart = workCpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < decodeSteps; i++) {
            s.step();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (workCpuNanos() - cpuStart) / 1e9;
        if (produced[0] != batch * (1 + decodeSteps) || s.step()) {
            throw new IllegalStateException("decode did not finish as planned: " + produced[0] + " tokens");
        }
        double tokens = batch * (double) decodeSteps;
        return new Rate(tokens / seconds, tokens / cpuSeconds);
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

    /** CPU time of this thread and of the live row workers (a worker that exited is not counted). */
    private static long workCpuNanos() {
        long total = THREADS.getCurrentThreadCpuTime();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("engine-rows-")) {
                total += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return total;
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
