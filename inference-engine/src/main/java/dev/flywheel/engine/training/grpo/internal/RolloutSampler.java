package dev.flywheel.engine.training.grpo.internal;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.DenseKvCache;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.engine.sampling.Sampler;
import dev.flywheel.engine.sampling.SamplingParams;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.engine.training.grpo.GrpoLoss;
import dev.flywheel.engine.training.grpo.Rollout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Samples completions with the serving forward pass (LlamaModel over a KV cache, the adapter applied per
 * sequence exactly as the engine serves it): every sequence is prefilled in one step, then one decode step per
 * token for the sequences still running, each drawing with its own generator through the engine's Sampler.
 * Records the log-prob of each drawn token under softmax(z / T), the "old" policy of the clipped objective.
 */
public final class RolloutSampler {
    private static final int BLOCK = 16;

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Sampler sampler;

    public RolloutSampler(LlamaModel model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(model.config().vocabSize());
    }

    /** Prompt ids as the shipped chat template renders a single user message: BOS + text. */
    public int[] promptTokens(String text) {
        int[] ids = tokenizer.encode(text);
        int bos = model.config().bosToken();
        if (bos < 0) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /**
     * One completion per entry of {@code prompts} (repeat a prompt G times for a group), sampled at
     * {@code temperature} with {@code rngs[i]} for sequence i.
     */
    public List<Rollout> sample(List<int[]> prompts, LoraAdapter adapter, double temperature, int maxNewTokens,
                                RandomGenerator[] rngs) {
        int n = prompts.size();
        if (rngs.length != n) {
            throw new IllegalArgumentException("rngs must hold one generator per prompt (" + n + "), got " + rngs.length);
        }
        int vocab = model.config().vocabSize();
        int eos = model.config().eosToken();
        SamplingParams params = new SamplingParams(temperature, 1.0, 0, maxNewTokens, List.of(), null);
        int maxPrompt = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (maxPrompt + maxNewTokens > model.config().maxSeqLen()) {
            throw new IllegalArgumentException("prompt of " + maxPrompt + " tokens + " + maxNewTokens
                    + " new tokens exceeds the model's context of " + model.config().maxSeqLen());
        }
        int blocksPerSeq = (maxPrompt + maxNewTokens + BLOCK - 1) / BLOCK;
        DenseKvCache kv = new DenseKvCache(model.config(), n * blocksPerSeq, BLOCK);
        int[][] feed = new int[n][];
        int[][] tables = new int[n][];
        int[] pos = new int[n];
        int[][] drawn = new int[n][maxNewTokens];
        float[][] logProbs = new float[n][maxNewTokens];
        int[] count = new int[n];
        for (int i = 0; i < n; i++) {
            feed[i] = prompts.get(i);
            tables[i] = DenseKvCache.contiguousBlocks(i * blocksPerSeq, blocksPerSeq);
        }
        int[] active = java.util.stream.IntStream.range(0, n).toArray();
        while (active.length > 0) {
            int m = active.length;
            int[][] tokens = new int[m][];
            int[] start = new int[m];
            int[][] bt = new int[m][];
            LoraAdapter[] adapters = new LoraAdapter[m];
            for (int j = 0; j < m; j++) {
                int i = active[j];
                tokens[j] = feed[i];
                start[j] = pos[i];
                bt[j] = tables[i];
                adapters[j] = adapter;
            }
            float[] logits = model.forward(new StepBatch(tokens, start, bt, adapters), kv);
            int[] still = new int[m];
            int kept = 0;
            for (int j = 0; j < m; j++) {
                int i = active[j];
                pos[i] += feed[i].length;
                int next = sampler.sample(logits, j * vocab, params, rngs[i]);
                drawn[i][count[i]] = next;
                logProbs[i][count[i]] = (float) GrpoLoss.logProb(logits, j * vocab, vocab, next, temperature);
                count[i]++;
                feed[i] = new int[] {next};
                if (next != eos && count[i] < maxNewTokens) {
                    still[kept++] = i;
                }
            }
            active = Arrays.copyOf(still, kept);
        }
        List<Rollout> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] ids = Arrays.copyOf(drawn[i], count[i]);
            out.add(new Rollout(prompts.get(i), ids, Arrays.copyOf(logProbs[i], count[i]), decode(ids, eos)));
        }
        return out;
    }

    private String decode(int[] ids, int eos) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id != eos && !tokenizer.isSpecial(id)) {
                text.writeBytes(tokenizer.tokenBytes(id));
            }
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
