package dev.flywheel.engine.model;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.training.Backprop;
import dev.flywheel.engine.training.LlamaParameters;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaModelTest {
    private static final int BLOCK = 4;
    private final Kernels kernels = Kernels.scalar();

    private static LlamaModel saveAndLoad(LlamaParameters params, Path dir, Kernels k) {
        params.saveHuggingFace(dir);
        return LlamaModel.load(dir, k);
    }

    private static float[] run(LlamaModel m, KvCache kv, int[][] tokens, int[] start, int[][] tables, LoraAdapter[] adapters) {
        return m.forward(new StepBatch(tokens, start, tables, adapters), kv);
    }

    private static float[] row(float[] logits, int i, int vocab) {
        return Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
    }

    @Test
    void sequenceLogitsAreIdenticalAloneOrBatchedWithOtherSequencesAndAdapters(@TempDir Path dir) {
        ModelConfig cfg = TestModels.tinyConfig(false);
        try (LlamaModel model = saveAndLoad(TestModels.randomParameters(cfg, 1), dir, kernels)) {
            LoraAdapter a1 = TestModels.randomLora(cfg, 4, 2).toAdapter("a1");
            LoraAdapter a2 = TestModels.randomLora(cfg, 2, 3).toAdapter("a2");
            int[] target = {1, 5, 9, 13, 7, 3};
            float[] alone = run(model, new DenseKvCache(cfg, 8, BLOCK), new int[][] {target}, new int[] {0},
                    new int[][] {{0, 1}}, new LoraAdapter[] {a1});
            // Same sequence third in a batch with a base-model prefill and another adapter, on other blocks.
            float[] batched = run(model, new DenseKvCache(cfg, 8, BLOCK),
                    new int[][] {{3, 4, 5}, {8, 8, 8, 8, 8}, target, {11}},
                    new int[] {0, 0, 0, 0},
                    new int[][] {{6}, {4, 5}, {2, 3}, {7}},
                    new LoraAdapter[] {null, a2, a1, a2});
            assertArrayEquals(row(alone, 0, cfg.vocabSize()), row(batched, 2, cfg.vocabSize()), 0f);
        }
    }

    @Test
    void incrementalDecodeEqualsFullPrefill(@TempDir Path dir) {
        ModelConfig cfg = TestModels.tinyConfig(true);
        try (LlamaModel model = saveAndLoad(TestModels.randomParameters(cfg, 4), dir, kernels)) {
            LoraAdapter adapter = TestModels.randomLora(cfg, 3, 5).toAdapter("x");
            int[] seq = {1, 17, 23, 5, 9, 30, 2, 11, 19};
            int[][] table = {{3, 0, 2}};
            float[] full = run(model, new DenseKvCache(cfg, 4, BLOCK), new int[][] {seq}, new int[] {0}, table, new LoraAdapter[] {adapter});
            DenseKvCache kv = new DenseKvCache(cfg, 4, BLOCK);
            float[] last = run(model, kv, new int[][] {Arrays.copyOf(seq, 4)}, new int[] {0}, table, new LoraAdapter[] {adapter});
            for (int p = 4; p < seq.length; p++) {
                last = run(model, kv, new int[][] {{seq[p]}}, new int[] {p}, table, new LoraAdapter[] {adapter});
            }
            // Every row is computed by the same per-row arithmetic, so with the scalar kernels the match is exact.
            assertArrayEquals(full, last, 1e-6f);
        }
    }

    /** base + s·B·A merged offline in float64 then rounded to float32, with A and B as given. */
    private static LlamaParameters merge(ModelConfig cfg, LlamaParameters base, LoraAdapter adapter) {
        LlamaParameters merged = LlamaParameters.copyOf(cfg, base.weights());
        for (int l = 0; l < cfg.nLayers(); l++) {
            for (Projection p : Projection.values()) {
                var pair = adapter.weights(l, p);
                float[] w = merged.projection(l, p).value();
                int out = p.out(cfg), in = p.in(cfg), r = adapter.rank();
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double d = 0;
                        for (int j = 0; j < r; j++) {
                            d += (double) pair.b().get(o, j) * pair.a().get(j, i);
                        }
                        w[o * in + i] += (float) (adapter.scale() * d);
                    }
                }
            }
        }
        return merged;
    }

    @Test
    void servedLoraMatchesWeightsMergedOffline(@TempDir Path dir) throws Exception {
        ModelConfig cfg = TestModels.tinyConfig(false);
        LlamaParameters base = TestModels.randomParameters(cfg, 6);
        LoraAdapter adapter = TestModels.randomLora(cfg, 4, 7).toAdapter("merge-check");
        adapter.save(dir.resolve("adapter"), "tiny");
        LoraAdapter loaded = LoraAdapter.load(dir.resolve("adapter"), cfg);
        assertEquals(2f, loaded.scale(), 0f);

        int[] seq = {1, 3, 33, 7, 21, 14, 2};
        try (LlamaModel baseModel = saveAndLoad(base, dir.resolve("base"), kernels);
             LlamaModel mergedModel = saveAndLoad(merge(cfg, base, loaded), dir.resolve("merged"), kernels)) {
            float[] served = logits(baseModel, seq, loaded);
            float[] offline = logits(mergedModel, seq, null);
            float[] plain = logits(baseModel, seq, null);
            // Tolerance: float32 rounding of W + s·B·A vs W·x + s·B·(A·x), |diff| <= 1e-4 * (1 + |logit|).
            for (int i = 0; i < served.length; i++) {
                assertEquals(offline[i], served[i], 1e-4 * (1 + Math.abs(offline[i])), "logit " + i);
            }
            assertTrue(maxAbsDiff(served, plain) > 1e-2, "the adapter must change the logits for the check to mean anything");
        }
    }

    /**
     * The engine serves adapters stored as bfloat16. Against a merge of those same bf16 values the
     * match is as tight as in float32 (only summation order differs); against the full-precision
     * merge each weight of A and B carries a relative rounding error <= 2^-9, so the adapter's effect
     * on the logits may be off by about 2 · 2^-9 = 0.4 % of itself: we allow 2 % of that effect.
     */
    @Test
    void servedBf16LoraMatchesMergedWeightsWithinBf16Precision(@TempDir Path dir) throws Exception {
        ModelConfig cfg = TestModels.tinyConfig(false);
        LlamaParameters base = TestModels.randomParameters(cfg, 6);
        LoraAdapter full = TestModels.randomLora(cfg, 4, 7).toAdapter("bf16-check");
        LoraAdapter bf16 = full.storedAs(DType.BF16);
        assertEquals(full.bytes() / 2, bf16.bytes(), "bf16 halves the resident bytes");

        int[] seq = {1, 3, 33, 7, 21, 14, 2};
        try (LlamaModel baseModel = saveAndLoad(base, dir.resolve("base"), kernels);
             LlamaModel mergedBf16 = saveAndLoad(merge(cfg, base, bf16), dir.resolve("merged-bf16"), kernels);
             LlamaModel mergedFull = saveAndLoad(merge(cfg, base, full), dir.resolve("merged-f32"), kernels)) {
            float[] served = logits(baseModel, seq, bf16);
            float[] sameValues = logits(mergedBf16, seq, null);
            float[] exact = logits(mergedFull, seq, null);
            float[] plain = logits(baseModel, seq, null);
            for (int i = 0; i < served.length; i++) {
                assertEquals(sameValues[i], served[i], 1e-4 * (1 + Math.abs(sameValues[i])), "logit " + i);
            }
            double effect = maxAbsDiff(exact, plain);
            assertTrue(effect > 1e-2, "the adapter must change the logits for the check to mean anything");
            double error = maxAbsDiff(served, exact);
            assertTrue(error <= 0.02 * effect, "bf16 serving is off by " + error + " against an adapter effect of " + effect);
        }
    }

    private static float[] logits(LlamaModel m, int[] seq, LoraAdapter adapter) {
        return run(m, new DenseKvCache(m.config(), 2, BLOCK), new int[][] {seq}, new int[] {0}, new int[][] {{0, 1}},
                new LoraAdapter[] {adapter});
    }

    @Test
    void trainingForwardMatchesServingForward(@TempDir Path dir) {
        ModelConfig cfg = TestModels.tinyConfig(false);
        LlamaParameters params = TestModels.randomParameters(cfg, 8);
        int[] seq = {1, 9, 4, 38, 12, 6};
        float[] trainingLogits = Backprop.full(params, kernels).forward(seq).logits();
        try (LlamaModel model = saveAndLoad(params, dir, kernels)) {
            DenseKvCache kv = new DenseKvCache(cfg, 2, BLOCK);
            for (int t = 0; t < seq.length; t++) {
                float[] logits = run(model, kv, new int[][] {{seq[t]}}, new int[] {t}, new int[][] {{0, 1}}, new LoraAdapter[] {null});
                float[] expected = row(trainingLogits, t, cfg.vocabSize());
                for (int i = 0; i < logits.length; i++) {
                    assertEquals(expected[i], logits[i], 1e-4 * (1 + Math.abs(expected[i])), "position " + t + " logit " + i);
                }
            }
        }
    }

    @Test
    void bf16AndF16CheckpointsLoadAndAgreeWithF32WithinTheirPrecision(@TempDir Path dir) throws Exception {
        ModelConfig cfg = TestModels.tinyConfig(true);
        LlamaParameters params = TestModels.randomParameters(cfg, 9);
        params.saveHuggingFace(dir.resolve("f32"));
        int[] seq = {1, 2, 3, 4};
        float[] ref;
        try (LlamaModel m = LlamaModel.load(dir.resolve("f32"), kernels)) {
            ref = run(m, new DenseKvCache(cfg, 1, BLOCK), new int[][] {seq}, new int[] {0}, new int[][] {{0}}, new LoraAdapter[] {null});
        }
        for (var dtype : List.of(dev.flywheel.kernels.DType.BF16, dev.flywheel.kernels.DType.F16)) {
            Path d = dir.resolve(dtype.name());
            Files.createDirectories(d);
            Files.copy(dir.resolve("f32/config.json"), d.resolve("config.json"));
            List<dev.flywheel.engine.safetensors.SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (var p : params.all()) {
                entries.add(new dev.flywheel.engine.safetensors.SafetensorsWriter.Entry(p.name(),
                        Arrays.stream(p.shape()).asLongStream().toArray(), p.value()));
            }
            new dev.flywheel.engine.safetensors.SafetensorsWriter(dtype).write(d.resolve("model.safetensors"), entries, java.util.Map.of());
            try (LlamaModel m = LlamaModel.load(d, kernels)) {
                assertEquals(dtype, m.weights().embedding().dtype());
                float[] got = run(m, new DenseKvCache(cfg, 1, BLOCK), new int[][] {seq}, new int[] {0}, new int[][] {{0}}, new LoraAdapter[] {null});
                // bf16 keeps 8 mantissa bits (~0.4 % per weight), f16 11 bits; logits of this tiny model are O(1).
                double tol = dtype == dev.flywheel.kernels.DType.BF16 ? 0.1 : 0.02;
                assertTrue(maxAbsDiff(ref, got) < tol, dtype + " differs by " + maxAbsDiff(ref, got));
            }
        }
    }

    @Test
    void blockTableTooShortIsRejectedNamingTheSequence(@TempDir Path dir) {
        ModelConfig cfg = TestModels.tinyConfig(true);
        try (LlamaModel model = saveAndLoad(TestModels.randomParameters(cfg, 10), dir, kernels)) {
            var e = assertThrows(IllegalArgumentException.class, () -> run(model, new DenseKvCache(cfg, 2, BLOCK),
                    new int[][] {{1}, {1, 2, 3, 4, 5}}, new int[] {0, 0}, new int[][] {{0}, {1}}, new LoraAdapter[2]));
            assertTrue(e.getMessage().contains("blockTables[1]"), e.getMessage());
            var bad = assertThrows(IllegalArgumentException.class, () -> run(model, new DenseKvCache(cfg, 2, BLOCK),
                    new int[][] {{40}}, new int[] {0}, new int[][] {{0}}, new LoraAdapter[1]));
            assertTrue(bad.getMessage().contains("tokens[0][0]"), bad.getMessage());
        }
    }

    @Test
    void missingLmHeadOnUntiedModelFailsNamingTheTensor(@TempDir Path dir) throws Exception {
        ModelConfig cfg = TestModels.tinyConfig(false);
        TestModels.randomParameters(cfg, 11).saveHuggingFace(dir);
        LlamaParameters tied = TestModels.randomParameters(TestModels.tinyConfig(true), 11);
        tied.saveHuggingFace(dir.resolve("t"));
        Files.copy(dir.resolve("t/model.safetensors"), dir.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(dir, kernels));
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

}
