package dev.flywheel.engine.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.cache.KvBlockPool;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.RowSplitter;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.engine.sampling.SamplingParams;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {
    private static final int VOCAB = 50;
    private static final int EOS = 0;
    private static final int BS = 4;
    private static final ModelConfig SHAPE = new ModelConfig(8, 16, 1, 2, 2, VOCAB, 256, 10000f, 1e-5f, true, -1, EOS);
    private static final TextDecoder LETTERS = ids -> {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append((char) ('a' + id % 26));
        }
        return sb.toString();
    };

    private final KvCheckingModel model = new KvCheckingModel(VOCAB);
    private final KvBlockPool pool = new KvBlockPool(1, 2, 64, BS);
    private final ResidentAdapter adapterA = TestAdapters.resident("a", SHAPE, 1);
    private final ResidentAdapter adapterB = TestAdapters.resident("b", SHAPE, 2);

    private BatchScheduler scheduler(int maxBatch, int queueBound) {
        // eos -1: the checking model's outputs are arbitrary, so tests choose when to stop.
        return new BatchScheduler(model, pool, new SchedulerConfig(maxBatch, queueBound, 256, 1024), VOCAB, -1, Clock.systemUTC());
    }

    private static GenerationRequest request(String id, int[] prompt, ResidentAdapter adapter, SamplingParams params,
                                             Collector out) {
        return new GenerationRequest(id, prompt, adapter, params,
                RandomGeneratorFactory.of("L64X128MixRandom").create(5), LETTERS, out);
    }

    private static int[] prompt(int seed, int length) {
        return IntStream.range(0, length).map(i -> 1 + (seed * 7 + i * 3) % (VOCAB - 1)).toArray();
    }

    private static void runUntilIdle(BatchScheduler s) {
        for (int i = 0; i < 10_000 && s.step(); i++) {
            // each step either makes progress or returns false
        }
    }

    /** What greedy decoding must produce, computed from the checking model's rule directly. */
    private int[] expected(int[] prompt, ResidentAdapter adapter, int n) {
        int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + n);
        for (int i = 0; i < n; i++) {
            seq[prompt.length + i] = model.expectedNext(java.util.Arrays.copyOf(seq, prompt.length + i),
                    adapter == null ? null : adapter.weights());
        }
        return java.util.Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void eachSequenceInAMixedAdapterBatchReadsOnlyItsOwnKv() {
        BatchScheduler s = scheduler(8, 16);
        ResidentAdapter[] adapters = {null, adapterA, adapterB, adapterA, null, adapterB};
        Collector[] outs = new Collector[adapters.length];
        for (int i = 0; i < adapters.length; i++) {
            outs[i] = new Collector();
            s.submit(request("r" + i, prompt(i, 3 + 2 * i), adapters[i], SamplingParams.greedy(9), outs[i]));
        }
        runUntilIdle(s);
        for (int i = 0; i < adapters.length; i++) {
            assertArrayEquals(expected(prompt(i, 3 + 2 * i), adapters[i], 9), outs[i].done().tokens(), "request " + i);
            assertEquals(FinishReason.LENGTH, outs[i].done().finishReason());
        }
        assertEquals(adapters.length, model.steps.getFirst().size(), "all requests ran in one batch");
    }

    /** Runs the parts on threads of their own, last part first: what a multi-threaded splitter may do. */
    private static final RowSplitter REVERSED_THREADS = (rows, range) -> {
        int parts = Math.min(rows, 3);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int p = parts - 1; p >= 0; p--) {
            int from = rows * p / parts;
            int to = rows * (p + 1) / parts;
            threads.add(Thread.ofPlatform().start(() -> range.run(from, to)));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    @Test
    void greedyTokensPickedOnSeveralThreadsAreTheSerialOnes() {
        BatchScheduler s = new BatchScheduler(model, REVERSED_THREADS, pool, new SchedulerConfig(8, 16, 256, 1024), VOCAB, -1,
                Clock.systemUTC());
        ResidentAdapter[] adapters = {null, adapterA, adapterB, adapterA, null, adapterB, null};
        Collector[] outs = new Collector[adapters.length];
        for (int i = 0; i < adapters.length; i++) {
            outs[i] = new Collector();
            SamplingParams params = i == 3 ? new SamplingParams(0.7, 1.0, 0, 9, List.of(), 42L) : SamplingParams.greedy(9);
            s.submit(request("r" + i, prompt(i, 3 + 2 * i), adapters[i], params, outs[i]));
        }
        runUntilIdle(s);
        for (int i = 0; i < adapters.length; i++) {
            if (i != 3) { // the sampled request is not greedy; it only shares the steps
                assertArrayEquals(expected(prompt(i, 3 + 2 * i), adapters[i], 9), outs[i].done().tokens(), "request " + i);
            }
        }
        assertEquals(9, outs[3].done().tokens().length);
    }

    @Test
    void aNaNRowFailsOnlyItsOwnRequestWhenGreedyTokensArePickedInParallel() {
        ForwardPass nanForMarked = (batch, kv, reuse) -> {
            float[] logits = new float[batch.size() * VOCAB];
            for (int i = 0; i < batch.size(); i++) {
                logits[i * VOCAB + 1] = 5f;
                if (batch.tokens()[i][0] == 7) {
                    logits[i * VOCAB + 3] = Float.NaN; // a diverged row
                }
            }
            return logits;
        };
        BatchScheduler s = new BatchScheduler(nanForMarked, REVERSED_THREADS, pool, new SchedulerConfig(8, 16, 256, 1024), VOCAB, -1,
                Clock.systemUTC());
        Collector healthy = new Collector();
        Collector diverged = new Collector();
        s.submit(request("ok", new int[] {2, 2, 2}, null, SamplingParams.greedy(4), healthy));
        s.submit(request("nan", new int[] {7, 7, 7}, null, SamplingParams.greedy(4), diverged));
        runUntilIdle(s);
        assertArrayEquals(new int[] {1, 1, 1, 1}, healthy.done().tokens());
        var failure = assertThrows(java.util.concurrent.CompletionException.class, diverged.result::join);
        assertTrue(String.valueOf(failure.getCause().getCause()).contains("NaN"), String.valueOf(failure.getCause()));
    }

    @Test
    void stepsGroupSequencesByAdapterSoLoraRunsPerSegment() {
        BatchScheduler s = scheduler(8, 16);
        ResidentAdapter[] adapters = {adapterB, null, adapterA, adapterB, null, adapterA};
        for (int i = 0; i < adapters.length; i++) {
            s.submit(request("r" + i, prompt(i, 5), adapters[i], SamplingParams.greedy(2), new Collector()));
        }
        runUntilIdle(s);
        for (StepBatch step : model.steps) {
            List<Object> seen = new java.util.ArrayList<>();
            Object previous = new Object();
            for (var a : step.adapters()) {
                if (a != previous) {
                    assertFalse(seen.contains(a), "adapter " + a + " appears in two segments");
                    seen.add(a);
                    previous = a;
                }
            }
        }
    }

    @Test
    void newRequestsJoinARunningBatchBetweenSteps() {
        BatchScheduler s = scheduler(8, 16);
        Collector first = new Collector();
        s.submit(request("first", prompt(1, 6), null, SamplingParams.greedy(5), first));
        s.step();
        Collector second = new Collector();
        s.submit(request("second", prompt(2, 4), adapterA, SamplingParams.greedy(3), second));
        s.step();
        StepBatch mixed = model.steps.get(1);
        assertEquals(2, mixed.size());
        int decodeRows = 0;
        int prefillRows = 0;
        for (int[] t : mixed.tokens()) {
            if (t.length == 1) {
                decodeRows++;
            } else {
                prefillRows++;
            }
        }
        assertEquals(1, decodeRows, "the first request decodes");
        assertEquals(1, prefillRows, "the second request prefills in the same step");
        runUntilIdle(s);
        assertArrayEquals(expected(prompt(1, 6), null, 5), first.done().tokens());
        assertArrayEquals(expected(prompt(2, 4), adapterA, 3), second.done().tokens());
    }

    @Test
    void finishedSequencesFreeTheirBlocksInTheSameStep() {
        BatchScheduler s = scheduler(8, 16);
        Collector shortOne = new Collector();
        Collector longOne = new Collector();
        s.submit(request("short", prompt(1, 9), null, SamplingParams.greedy(1), shortOne));
        s.submit(request("long", prompt(2, 9), null, SamplingParams.greedy(20), longOne));
        s.step();
        assertTrue(shortOne.result.isDone());
        assertEquals(pool.blocksFor(9), pool.usedBlocks(), "only the long request's blocks stay in use");
        runUntilIdle(s);
        assertEquals(0, pool.usedBlocks());
        assertEquals(pool.totalBlocks(), pool.availableBlocks());
    }

    @Test
    void aFullQueueRejectsWithARetryHint() {
        BatchScheduler s = scheduler(1, 2);
        s.submit(request("1", prompt(1, 3), null, SamplingParams.greedy(2), new Collector()));
        s.submit(request("2", prompt(2, 3), null, SamplingParams.greedy(2), new Collector()));
        var full = assertThrows(GenerationException.QueueFull.class,
                () -> s.submit(request("3", prompt(3, 3), null, SamplingParams.greedy(2), new Collector())));
        assertTrue(full.retriable());
        assertTrue(full.retryAfterSeconds() >= 1);
        assertEquals(2, s.stats().queued());
        s.step(); // admits one (maxBatch 1): a slot frees in the queue
        s.submit(request("3", prompt(3, 3), null, SamplingParams.greedy(2), new Collector()));
    }

    @Test
    void promptsThatCannotFitAreRejectedNamingTheLimit() {
        BatchScheduler s = new BatchScheduler(model, pool, new SchedulerConfig(4, 4, 32, 1024), VOCAB, -1, Clock.systemUTC());
        var tooLong = assertThrows(GenerationException.TooLong.class,
                () -> s.submit(request("x", prompt(1, 40), null, SamplingParams.greedy(1), new Collector())));
        assertTrue(tooLong.promptAloneTooLong());
        assertTrue(tooLong.getMessage().contains("model context"), tooLong.getMessage());
        var tooMany = assertThrows(GenerationException.TooLong.class,
                () -> s.submit(request("y", prompt(1, 20), null, SamplingParams.greedy(20), new Collector())));
        assertFalse(tooMany.promptAloneTooLong(), "lowering max_tokens would help");
    }

    @Test
    void aRepeatedPromptReusesCachedKvAndGivesTheSameOutput() {
        BatchScheduler s = scheduler(8, 16);
        int[] p = prompt(3, 3 * BS + 2);
        Collector first = new Collector();
        s.submit(request("1", p, adapterA, SamplingParams.greedy(4), first));
        runUntilIdle(s);
        int stepsBefore = model.steps.size();
        Collector second = new Collector();
        s.submit(request("2", p, adapterA, SamplingParams.greedy(4), second));
        runUntilIdle(s);
        assertEquals(3 * BS, second.done().cachedPromptTokens());
        assertEquals(2, model.steps.get(stepsBefore).tokens()[0].length, "only the uncached prompt tail is fed");
        assertArrayEquals(first.done().tokens(), second.done().tokens());

        Collector otherAdapter = new Collector();
        s.submit(request("3", p, adapterB, SamplingParams.greedy(4), otherAdapter));
        runUntilIdle(s);
        assertEquals(0, otherAdapter.done().cachedPromptTokens());
        assertArrayEquals(expected(p, adapterB, 4), otherAdapter.done().tokens());
    }

    @Test
    void stopSequencesEndTheGenerationAndAreNotReturned() {
        BatchScheduler s = scheduler(8, 16);
        int[] p = prompt(4, 5);
        String full = LETTERS.decode(expected(p, null, 12));
        String stop = full.substring(5, 7);
        Collector out = new Collector();
        s.submit(new GenerationRequest("s", p, null, new SamplingParams(0, 1, 0, 12, List.of(stop), null),
                RandomGeneratorFactory.of("L64X128MixRandom").create(1), LETTERS, out));
        runUntilIdle(s);
        GenerationResult r = out.done();
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, full.indexOf(stop)), r.text());
        assertEquals(r.text(), out.streamed.toString(), "the streamed deltas add up to the final text");
    }

    /**
     * A byte-level decoder is asked only for the tokens after the last whole character: 300 tokens cost a few
     * hundred token decodes, not the ~45,000 of decoding the whole generation every step, and the text (with a
     * three-byte character split over three tokens every six) is the whole generation's text.
     */
    @Test
    void aConcatenatingDecoderDecodesOnlyTheTokensSinceTheLastWholeCharacter() {
        int[] script = new int[300];
        int[] pattern = {20, 10, 11, 12, 20, 21}; // 'a', then the bytes of U+20AC, 'a', 'b'
        for (int i = 0; i < script.length; i++) {
            script[i] = pattern[i % pattern.length];
        }
        int promptLength = 3;
        ForwardPass scripted = (batch, kv, reuse) -> {
            float[] logits = new float[batch.size() * VOCAB];
            for (int i = 0; i < batch.size(); i++) {
                int generatedIndex = batch.startPos()[i] + batch.tokens()[i].length - promptLength;
                logits[i * VOCAB + script[generatedIndex]] = 5f;
            }
            return logits;
        };
        java.util.concurrent.atomic.AtomicLong decodedTokens = new java.util.concurrent.atomic.AtomicLong();
        TextDecoder bytes = ids -> {
            decodedTokens.addAndGet(ids.length);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int id : ids) {
                out.write(switch (id) {
                    case 10 -> 0xE2;
                    case 11 -> 0x82;
                    case 12 -> 0xAC;
                    default -> 'a' + id - 20;
                });
            }
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        };
        KvBlockPool roomy = new KvBlockPool(1, 2, 128, BS); // 303 positions
        BatchScheduler s = new BatchScheduler(scripted, roomy, new SchedulerConfig(4, 4, 512, 1024), VOCAB, -1, Clock.systemUTC());
        Collector out = new Collector();
        s.submit(new GenerationRequest("long", new int[] {1, 2, 3}, null, new SamplingParams(0, 1, 0, script.length, List.of("zz"), null),
                RandomGeneratorFactory.of("L64X128MixRandom").create(1), TextDecoder.concatenating(bytes), out));
        runUntilIdle(s);
        String whole = bytes.decode(script);
        assertEquals(whole, out.done().text());
        assertEquals(whole, out.streamed.toString(), "the streamed deltas add up to the final text");
        assertTrue(whole.contains("a\u20ACab"), whole.substring(0, 12));

        decodedTokens.set(0);
        BatchScheduler again = new BatchScheduler(scripted, roomy, new SchedulerConfig(4, 4, 512, 1024), VOCAB, -1, Clock.systemUTC());
        Collector counted = new Collector();
        again.submit(new GenerationRequest("counted", new int[] {1, 2, 3}, null, SamplingParams.greedy(script.length),
                RandomGeneratorFactory.of("L64X128MixRandom").create(1), TextDecoder.concatenating(bytes), counted));
        runUntilIdle(again);
        assertEquals(whole, counted.done().text());
        assertTrue(decodedTokens.get() <= 3L * script.length, "decoded " + decodedTokens.get() + " tokens for " + script.length);
    }

    @Test
    void theEndOfSequenceTokenStopsAndIsCountedButNotDecoded() {
        int[] p = prompt(5, 4);
        int[] greedy = expected(p, null, 10);
        int eos = greedy[3]; // declare the 4th greedy token (or an earlier equal one) end-of-sequence
        int firstEos = 0;
        while (greedy[firstEos] != eos) {
            firstEos++;
        }
        BatchScheduler s = new BatchScheduler(model, pool, new SchedulerConfig(4, 4, 256, 1024), VOCAB, eos, Clock.systemUTC());
        Collector out = new Collector();
        s.submit(request("e", p, null, SamplingParams.greedy(10), out));
        runUntilIdle(s);
        assertEquals(FinishReason.STOP, out.done().finishReason());
        assertEquals(firstEos + 1, out.done().completionTokens());
        assertEquals(LETTERS.decode(java.util.Arrays.copyOf(greedy, firstEos)), out.done().text());
    }

    @Test
    void aCancelledRequestEndsAndFreesItsBlocks() {
        BatchScheduler s = scheduler(8, 16);
        Collector out = new Collector();
        GenerationHandle h = s.submit(request("c", prompt(1, 6), null, SamplingParams.greedy(50), out));
        s.step();
        assertTrue(pool.usedBlocks() > 0);
        h.cancel();
        s.step();
        assertEquals(FinishReason.CANCELLED, out.done().finishReason());
        assertEquals(0, pool.usedBlocks());
    }

    @Test
    void aFailingForwardPassFailsItsBatchAndTheEngineKeepsServing() {
        BatchScheduler s = scheduler(8, 16);
        Collector doomed = new Collector();
        s.submit(request("d", prompt(1, 5), null, SamplingParams.greedy(3), doomed));
        model.failNext = new IllegalStateException("kernel exploded");
        s.step();
        var e = assertThrows(ExecutionException.class, () -> doomed.result.get(0, TimeUnit.SECONDS));
        assertInstanceOf(GenerationException.StepFailed.class, e.getCause());
        assertEquals(0, pool.usedBlocks());
        Collector next = new Collector();
        s.submit(request("n", prompt(2, 5), null, SamplingParams.greedy(3), next));
        runUntilIdle(s);
        assertArrayEquals(expected(prompt(2, 5), null, 3), next.done().tokens());
    }

    @Test
    void theEngineThreadServesConcurrentSubmittersAndCloseFailsTheRest() throws Exception {
        BatchScheduler s = scheduler(4, 64);
        s.start();
        List<Collector> outs = new java.util.ArrayList<>();
        List<Thread> submitters = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t;
            submitters.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5; i++) {
                    Collector c = new Collector();
                    synchronized (outs) {
                        outs.add(c);
                    }
                    s.submit(request("t" + base + "-" + i, prompt(base * 5 + i, 3 + i), i % 2 == 0 ? null : adapterA,
                            SamplingParams.greedy(6), c));
                }
            }));
        }
        for (Thread t : submitters) {
            t.join();
        }
        for (Collector c : outs) {
            GenerationResult r = c.result.get(30, TimeUnit.SECONDS);
            assertEquals(6, r.completionTokens());
        }
        assertEquals(20, s.stats().completed());
        s.close();
        assertThrows(GenerationException.ShuttingDown.class,
                () -> s.submit(request("late", prompt(1, 3), null, SamplingParams.greedy(2), new Collector())));
    }
}
