package dev.flywheel.engine.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.sampling.SamplingParams;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The real LlamaModel behind the scheduler: batching must not change what a request generates. */
class MixedBatchDeterminismTest {
    private static final ModelConfig CONFIG = new ModelConfig(32, 64, 2, 4, 2, 96, 128, 10000f, 1e-5f, false, -1, -1);
    private static final int STEPS = 12;

    private LlamaModel model = RandomLlama.build(CONFIG, 2024, Kernels.scalar());
    /** Stored as bfloat16, as the engine keeps resident adapters. */
    private final ResidentAdapter math = new ResidentAdapter("math", 1, Path.of("/a/math"),
            TestAdapters.random("math", CONFIG, 8, 0.2f, 11).storedAs(DType.BF16));
    private final ResidentAdapter chat = new ResidentAdapter("chat", 1, Path.of("/a/chat"),
            TestAdapters.random("chat", CONFIG, 4, 0.2f, 12).storedAs(DType.BF16));

    private BatchScheduler scheduler() {
        return new BatchScheduler(model::forward, new KvBlockPool(CONFIG.nLayers(), CONFIG.kvDim(), 64, 4),
                new SchedulerConfig(16, 16, CONFIG.maxSeqLen(), 4096), CONFIG.vocabSize(), -1, Clock.systemUTC());
    }

    private static int[] prompt(int seed, int length) {
        return IntStream.range(0, length).map(i -> (seed * 13 + i * 7) % CONFIG.vocabSize()).toArray();
    }

    private static GenerationRequest greedy(String id, int[] prompt, ResidentAdapter adapter, Collector out) {
        return new GenerationRequest(id, prompt, adapter, SamplingParams.greedy(STEPS),
                RandomGeneratorFactory.of("L64X128MixRandom").create(1), ids -> Arrays.toString(ids), out);
    }

    private static void drain(BatchScheduler s) {
        while (s.step()) {
            // until every request finished
        }
    }

    private int[] alone(int[] prompt, ResidentAdapter adapter) {
        BatchScheduler s = scheduler();
        Collector out = new Collector();
        s.submit(greedy("alone", prompt, adapter, out));
        drain(s);
        return out.done().tokens();
    }

    @Test
    void greedyOutputIsTokenIdenticalAloneAndInsideABatchMixingAdaptersAndTheBase() {
        assertBatchInvariant();
    }

    /** The production path uses the fastest kernels; batching must not change their output either. */
    @Test
    void theSameHoldsWithTheFastestKernelsTheServerUses() {
        model = RandomLlama.build(CONFIG, 2024, Kernels.best());
        assertBatchInvariant();
    }

    private void assertBatchInvariant() {
        int[] target = prompt(1, 9);
        int[] aloneTokens = alone(target, math);
        assertFalse(Arrays.equals(aloneTokens, alone(target, null)), "the adapter must change the output for the test to mean anything");
        assertFalse(Arrays.equals(aloneTokens, alone(target, chat)));

        BatchScheduler s = scheduler();
        // Others already decoding when the target arrives, and others arriving after it.
        Collector[] early = new Collector[3];
        ResidentAdapter[] earlyAdapters = {null, chat, math};
        for (int i = 0; i < early.length; i++) {
            early[i] = new Collector();
            s.submit(greedy("early" + i, prompt(10 + i, 5 + 3 * i), earlyAdapters[i], early[i]));
        }
        s.step();
        s.step();
        Collector target1 = new Collector();
        s.submit(greedy("target", target, math, target1));
        s.step();
        Collector late = new Collector();
        s.submit(greedy("late-base", prompt(20, 11), null, late));
        Collector lateChat = new Collector();
        s.submit(greedy("late-chat", prompt(21, 3), chat, lateChat));
        drain(s);

        assertArrayEquals(aloneTokens, target1.done().tokens());
        for (int i = 0; i < early.length; i++) {
            assertArrayEquals(alone(prompt(10 + i, 5 + 3 * i), earlyAdapters[i]), early[i].done().tokens(), "early " + i);
        }
        assertArrayEquals(alone(prompt(20, 11), null), late.done().tokens());
        assertArrayEquals(alone(prompt(21, 3), chat), lateChat.done().tokens());
    }

    @Test
    void aPrefixCacheHitGivesTheSameTokensAsAColdPrefill() {
        BatchScheduler s = scheduler();
        int[] p = prompt(3, 4 * 4 + 3);
        Collector cold = new Collector();
        s.submit(greedy("cold", p, chat, cold));
        drain(s);
        Collector warm = new Collector();
        s.submit(greedy("warm", p, chat, warm));
        drain(s);
        assertEquals(16, warm.done().cachedPromptTokens());
        assertArrayEquals(cold.done().tokens(), warm.done().tokens());
    }
}
