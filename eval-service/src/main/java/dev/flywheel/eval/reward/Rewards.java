package dev.flywheel.eval.reward;

import dev.flywheel.eval.evaluators.CompiledEvaluator;
import dev.flywheel.eval.evaluators.EvalInput;
import dev.flywheel.eval.evaluators.EvalResult;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The reward entry point for training: the same compiled evaluators the online scorer and offline runs use,
 * applied to a group of completions. Completions of a group are scored concurrently (one virtual thread each),
 * which matters for http and llm_judge rewards. In-process use: {@code rewards.function("exact_answer", null)}
 * hands the trainer a {@link RewardFunction}; the REST endpoint {@code POST /v1/rewards} calls {@link #score}.
 */
public final class Rewards {
    private final EvaluatorRegistry registry;
    private final ExecutorService executor;

    public Rewards(EvaluatorRegistry registry, ExecutorService executor) {
        this.registry = registry;
        this.executor = executor;
    }

    /** Scores the group with evaluator (id, version); version null = the latest. Never throws for evaluator failures. */
    public List<Reward> score(List<Completion> group, String evaluatorId, Integer version) throws InterruptedException {
        return score(group, registry.evaluator(evaluatorId, version));
    }

    /** A reward function bound to one evaluator version (resolved now, so a training run uses one version throughout). */
    public RewardFunction function(String evaluatorId, Integer version) {
        CompiledEvaluator ce = registry.evaluator(evaluatorId, version);
        return group -> score(group, ce);
    }

    private List<Reward> score(List<Completion> group, CompiledEvaluator ce) throws InterruptedException {
        List<Future<EvalResult>> futures = new ArrayList<>(group.size());
        for (Completion c : group) {
            EvalInput in = new EvalInput("", "", "", c.prompt(), c.completion(), c.reference(), 0, 0, 0, 0, 0, c.attributes());
            futures.add(executor.submit(() -> ce.evaluate(in)));
        }
        List<Reward> out = new ArrayList<>(group.size());
        for (Future<EvalResult> f : futures) {
            EvalResult r;
            try {
                r = f.get();
            } catch (ExecutionException e) {
                r = EvalResult.error("reward evaluation failed: " + e.getCause());
            }
            out.add(new Reward(ce.definition().id(), ce.definition().version(), r));
        }
        return out;
    }
}
