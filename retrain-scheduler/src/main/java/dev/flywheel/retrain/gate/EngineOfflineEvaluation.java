package dev.flywheel.retrain.gate;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.task.GreedyEvaluator;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.eval.reward.Completion;
import dev.flywheel.eval.reward.Reward;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.eval.runs.Comparison;
import dev.flywheel.eval.runs.PairedStatistics;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.retrain.dataset.DatasetItem;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gate's offline run on the built-in engine, in process: greedy completions of every holdout prompt by the
 * champion and by the candidate (the engine's batched decoder over the base model in {@code baseModelDir}), scored
 * by the eval-service evaluators (the reward library, so the same compiled code as online scoring), compared with
 * eval-service's {@link PairedStatistics}. Greedy decoding makes the comparison deterministic: one repeat suffices.
 * (eval-service's {@code EvalRuns.compareVariants} does the same over HTTP for external engines.)
 */
public final class EngineOfflineEvaluation implements OfflineEvaluation {
    private final Path baseModelDir;
    private final Rewards rewards;
    private final Kernels kernels;
    private final int maxNewTokens;

    public EngineOfflineEvaluation(Path baseModelDir, Rewards rewards, Kernels kernels, int maxNewTokens) {
        this.baseModelDir = baseModelDir;
        this.rewards = rewards;
        this.kernels = kernels;
        this.maxNewTokens = maxNewTokens;
    }

    @Override
    public List<Comparison> compare(List<DatasetItem> holdout, Contender champion, Contender candidate, List<String> evaluatorIds,
                                    double confidence) throws InterruptedException {
        List<String> prompts = holdout.stream().map(DatasetItem::prompt).toList();
        List<String> a;
        List<String> b;
        try (LlamaModel model = LlamaModel.load(baseModelDir, kernels)) {
            Tokenizer tokenizer = Tokenizer.load(baseModelDir.resolve("tokenizer.json"));
            GreedyEvaluator greedy = new GreedyEvaluator(model, tokenizer, maxNewTokens);
            a = greedy.complete(prompts, adapter(champion, model));
            b = greedy.complete(prompts, adapter(candidate, model));
        }
        List<Comparison> out = new ArrayList<>();
        for (String evaluator : evaluatorIds) {
            out.add(PairedStatistics.compare(evaluator, champion.name(), candidate.name(), scores(holdout, a, evaluator),
                    scores(holdout, b, evaluator), confidence));
        }
        return out;
    }

    private static LoraAdapter adapter(Contender c, LlamaModel model) {
        return c.adapterDir() == null ? null : LoraAdapter.load(c.adapterDir(), model.config(), c.name());
    }

    /** item index → score, valid scores only (an evaluator failure leaves the item unpaired, never a 0). */
    private Map<Integer, Double> scores(List<DatasetItem> items, List<String> completions, String evaluator) throws InterruptedException {
        List<Completion> group = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            group.add(Completion.of(items.get(i).prompt(), completions.get(i), items.get(i).reference()));
        }
        List<Reward> scored = rewards.score(group, evaluator, null);
        Map<Integer, Double> out = new HashMap<>();
        for (int i = 0; i < scored.size(); i++) {
            if (scored.get(i).valid()) {
                out.put(i, scored.get(i).result().score());
            }
        }
        return out;
    }
}
