package dev.flywheel.engine.task;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.DenseKvCache;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.engine.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy decoding of many problems at once (all prompts prefilled in one step, then one decode step
 * per new token for the sequences still running), and exact-match accuracy. The prompt is
 * [bos] + tokens(prompt text), what the shipped chat template renders for a single user message.
 */
public final class GreedyEvaluator {
    private static final int BLOCK = 16;

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final int maxNewTokens;

    public GreedyEvaluator(LlamaModel model, Tokenizer tokenizer, int maxNewTokens) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxNewTokens = maxNewTokens;
    }

    /** Completions (text up to, not including, EOS) for each prompt, with {@code adapter} (null = base). */
    public List<String> complete(List<String> prompts, LoraAdapter adapter) {
        int n = prompts.size();
        List<String> out = new ArrayList<>(Arrays.asList(new String[n]));
        if (n == 0) {
            return out;
        }
        int bos = model.config().bosToken();
        int eos = model.config().eosToken();
        int[][] feed = new int[n][];
        int maxPrompt = 0;
        for (int i = 0; i < n; i++) {
            int[] ids = tokenizer.encode(prompts.get(i));
            feed[i] = bos < 0 ? ids : prepend(bos, ids);
            maxPrompt = Math.max(maxPrompt, feed[i].length);
        }
        int blocksPerSeq = (maxPrompt + maxNewTokens + BLOCK - 1) / BLOCK;
        DenseKvCache kv = new DenseKvCache(model.config(), n * blocksPerSeq, BLOCK);
        int[][] tables = new int[n][];
        int[] pos = new int[n];
        ByteArrayOutputStream[] text = new ByteArrayOutputStream[n];
        for (int i = 0; i < n; i++) {
            tables[i] = DenseKvCache.contiguousBlocks(i * blocksPerSeq, blocksPerSeq);
            text[i] = new ByteArrayOutputStream();
        }
        int[] active = java.util.stream.IntStream.range(0, n).toArray();
        for (int step = 0; step < maxNewTokens && active.length > 0; step++) {
            int m = active.length;
            int[][] tokens = new int[m][];
            int[] start = new int[m];
            int[][] bt = new int[m][];
            for (int j = 0; j < m; j++) {
                int i = active[j];
                tokens[j] = feed[i];
                start[j] = pos[i];
                bt[j] = tables[i];
            }
            LoraAdapter[] adapters = new LoraAdapter[m];
            Arrays.fill(adapters, adapter);
            float[] logits = model.forward(new StepBatch(tokens, start, bt, adapters), kv);
            int vocab = model.config().vocabSize();
            List<Integer> still = new ArrayList<>();
            for (int j = 0; j < m; j++) {
                int i = active[j];
                pos[i] += feed[i].length;
                int next = argmax(logits, j * vocab, vocab);
                if (next == eos) {
                    continue;
                }
                if (!tokenizer.isSpecial(next)) {
                    text[i].writeBytes(tokenizer.tokenBytes(next));
                }
                feed[i] = new int[] {next};
                if (step + 1 < maxNewTokens) {
                    still.add(i);
                }
            }
            active = still.stream().mapToInt(Integer::intValue).toArray();
        }
        for (int i = 0; i < n; i++) {
            out.set(i, text[i].toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Fraction of problems whose greedy completion is exactly right. */
    public double accuracy(List<AdditionProblem> problems, LoraAdapter adapter) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems must not be empty");
        }
        List<String> completions = complete(problems.stream().map(AdditionProblem::prompt).toList(), adapter);
        int correct = 0;
        for (int i = 0; i < problems.size(); i++) {
            if (Answers.isCorrect(problems.get(i), completions.get(i))) {
                correct++;
            }
        }
        return (double) correct / problems.size();
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
