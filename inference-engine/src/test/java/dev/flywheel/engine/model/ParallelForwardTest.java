package dev.flywheel.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.engine.batching.RandomLlama;
import dev.flywheel.engine.batching.TestAdapters;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Splitting matmuls by output rows and attention by query rows across threads must not change a
 * single bit of the logits, with the reference and the native kernels (the build compiles them with
 * gcc; Kernels.best() picks them) and both weight dtypes the engine serves. The Vector API kernels are
 * left out: their matmul and attention give different low bits before and after C2 compiles them
 * (interpreted vs intrinsic lane reductions), so two runs of even one thread can differ.
 */
class ParallelForwardTest {
    /**
     * Three threads with one part each (the default) and with four (12 parts a split). Against the 1M
     * multiply-add split threshold: the 4099 x 256 output projection splits even at batch 1; in the 108-row
     * prefill every projection group splits (q/k/v together, gate/up together, o, down), and so do attention
     * (sum of attended positions x dim = 1.3M) and SwiGLU (108 x 688 elements). Odd vocabulary (4099) and hidden
     * (688) sizes give uneven parts and kernel row tails.
     */
    private static final ModelConfig CONFIG = new ModelConfig(256, 688, 2, 8, 2, 4099, 128, 10000f, 1e-5f, false, -1, -1);

    @ParameterizedTest(name = "{0} kernels, {1} weights")
    @CsvSource({"scalar, F32", "scalar, BF16", "native, F32", "native, BF16"})
    void threadedForwardIsBitIdenticalToOneThread(String kernelsName, DType dtype) {
        Kernels kernels = Kernels.named(kernelsName);
        LoraAdapter math = TestAdapters.random("math", CONFIG, 8, 0.05f, 5).storedAs(DType.BF16);
        LoraAdapter chat = TestAdapters.random("chat", CONFIG, 4, 0.05f, 6);
        try (LlamaModel one = RandomLlama.build(CONFIG, 77, kernels, dtype, 1);
             LlamaModel three = RandomLlama.build(CONFIG, 77, kernels, dtype, 3, 1);
             LlamaModel threeByFour = RandomLlama.build(CONFIG, 77, kernels, dtype, 3, 4)) {
            assertEquals(3, three.threads());
            List<float[]> a = steps(one, math, chat);
            List<float[]> b = steps(three, math, chat);
            List<float[]> c = steps(threeByFour, math, chat);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i), b.get(i), 0f, "step " + i + ", 3 threads, 1 part each");
                assertArrayEquals(a.get(i), c.get(i), 0f, "step " + i + ", 3 threads, 4 parts each");
            }
        }
    }

    /**
     * A mixed prefill (100, 1 and 7 tokens on two adapters and the base), then decode at batch 3 and batch 1,
     * then a decode step of six sequences at position 100 whose attention splits (6 x 101 positions x 256 =
     * 155k units), so each part positions and stores its own rows' K/V (their caches hold whatever the
     * blocks held: the same in both runs), then a decode step of 50 sequences (see the end).
     */
    private static List<float[]> steps(LlamaModel model, LoraAdapter math, LoraAdapter chat) {
        DenseKvCache kv = new DenseKvCache(CONFIG, 9 + 6 * 7 + 50 * 2, 16);
        int[][] tables = {{0, 1, 2, 3, 4, 5, 6}, {7}, {8}};
        LoraAdapter[] adapters = {math, null, chat};
        List<float[]> out = new ArrayList<>();
        out.add(model.forward(new StepBatch(new int[][] {tokens(100, 1), tokens(1, 2), tokens(7, 3)},
                new int[] {0, 0, 0}, tables, adapters), kv));
        out.add(model.forward(new StepBatch(new int[][] {{5}, {6}, {7}}, new int[] {100, 1, 7}, tables, adapters), kv));
        out.add(model.forward(new StepBatch(new int[][] {{9}}, new int[] {101}, new int[][] {tables[0]},
                new LoraAdapter[] {math}), kv));
        int[][] six = new int[6][];
        int[][] sixTables = new int[6][7];
        int[] sixStarts = new int[6];
        for (int q = 0; q < 6; q++) {
            six[q] = new int[] {11 + q};
            sixStarts[q] = 100;
            for (int b = 0; b < 7; b++) {
                sixTables[q][b] = 9 + q * 7 + b;
            }
        }
        out.add(model.forward(new StepBatch(six, sixStarts, sixTables, new LoraAdapter[] {math, null, chat, null, math, chat}), kv));
        // 50 decode rows whose split parts (matmuls by weight rows, attention by query rows) cut through
        // adapter segments. Positions 0-20, each sequence on two blocks of its own (cache rows below its
        // position are whatever the cache held: zeros).
        int[][] many = new int[50][];
        int[][] manyTables = new int[50][];
        int[] manyStarts = new int[50];
        LoraAdapter[] manyAdapters = new LoraAdapter[50];
        for (int q = 0; q < 50; q++) {
            many[q] = new int[] {(q * 37 + 5) % CONFIG.vocabSize()};
            manyStarts[q] = q % 21;
            manyTables[q] = new int[] {9 + 6 * 7 + 2 * q, 9 + 6 * 7 + 2 * q + 1};
            manyAdapters[q] = q < 10 ? math : q < 20 ? null : q % 2 == 0 ? chat : null;
        }
        out.add(model.forward(new StepBatch(many, manyStarts, manyTables, manyAdapters), kv));
        return out;
    }

    private static int[] tokens(int n, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (i * 131 + seed * 17) % CONFIG.vocabSize();
        }
        return t;
    }
}
