package dev.flywheel.retrain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.engine.task.AdditionProblem;
import dev.flywheel.engine.task.AdditionTask;
import dev.flywheel.engine.task.Split;
import dev.flywheel.eval.evaluators.EvaluatorBackends;
import dev.flywheel.eval.evaluators.EvaluatorCompiler;
import dev.flywheel.eval.registry.DefinitionCodec;
import dev.flywheel.eval.registry.EvaluatorRegistry;
import dev.flywheel.eval.registry.InMemoryRegistryStore;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.retrain.dataset.DatasetItem;
import dev.flywheel.retrain.dataset.DatasetSource;
import dev.flywheel.retrain.dataset.Splitter;
import dev.flywheel.retrain.policy.DeployTarget;
import dev.flywheel.retrain.policy.GateSpec;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.policy.RewardSpec;
import dev.flywheel.retrain.policy.RewardTerm;
import dev.flywheel.retrain.policy.Schedule;
import dev.flywheel.retrain.policy.TrafficFilter;
import dev.flywheel.retrain.policy.TrainerSpec;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;

/**
 * The shipped task wired as the loop sees it, for the RFT benchmark and the acceptance tests: eval-service
 * evaluators {@code exact_answer} (numeric, first number, exact) and {@code answer_format} (the completion is only
 * digits), traffic made of the task's TRAIN-split prompts with their answers as references (so the task's
 * held-out split never reaches training), and a policy for the shipped model.
 */
public final class ArithmeticSetup {
    public static final String EXACT = "exact_answer";
    public static final String FORMAT = "answer_format";
    public static final Path SHIPPED_MODEL = Path.of("inference-engine/models/arith-tiny");

    private ArithmeticSetup() {}

    /** The reward library over an in-memory registry holding the two evaluators. */
    public static Rewards rewards(Clock clock, ExecutorService executor) {
        ObjectMapper mapper = new ObjectMapper();
        EvaluatorRegistry registry = new EvaluatorRegistry(new InMemoryRegistryStore(), new EvaluatorCompiler(new EvaluatorBackends(
                HttpClient.newHttpClient(), clock, 1L, mapper, Optional.empty(), Optional.empty(), Duration.ofMillis(250))),
                new DefinitionCodec(), clock);
        try {
            registry.create(mapper.readTree("{\"id\":\"" + EXACT + "\",\"type\":\"numeric\",\"config\":{\"position\":\"first\"},"
                    + "\"pass_threshold\":1.0,\"description\":\"the first number of the completion equals the reference\"}"));
            registry.create(mapper.readTree("{\"id\":\"" + FORMAT + "\",\"type\":\"regex\",\"config\":{\"pattern\":\"^[0-9]+$\","
                    + "\"mode\":\"find\"},\"description\":\"the completion is a bare number\"}"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("evaluator definitions do not parse", e);
        }
        return new Rewards(registry, executor);
    }

    /** {@code count} distinct TRAIN-split problems drawn with {@code seed}, as traffic with references. */
    public static DatasetSource taskTraffic(int count, long seed, int holdoutPercent, Clock clock) {
        return filter -> {
            AdditionTask task = AdditionTask.standard();
            List<DatasetItem> items = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(seed);
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (items.size() < count) {
                AdditionProblem p = task.sample(rng, Split.TRAIN);
                if (seen.add(p.prompt())) {
                    items.add(new DatasetItem("req-" + items.size(), p.prompt(), "", p.answer(), Map.of(), Double.NaN));
                }
            }
            return Splitter.snapshot(items, count, holdoutPercent, clock.millis());
        };
    }

    /** A policy for the shipped model from the base (no champion adapter); {@code settings} override trainer defaults. */
    public static RetrainPolicy policy(String id, Path modelDir, double rewardWeight, Map<String, Double> settings, int gateItems) {
        return new RetrainPolicy(id, "arith-tiny", modelDir, null, null,
                new TrafficFilter(List.of(), List.of(), 24, 100_000, 20),
                new RewardSpec(List.of(new RewardTerm(EXACT, null, rewardWeight)), 0),
                new TrainerSpec("grpo", settings, List.of(), 30),
                new GateSpec(EXACT, List.of(FORMAT), 0.95, 0.05, gateItems),
                new Schedule("0 2 * * *", ZoneOffset.UTC),
                new DeployTarget(null, null, "score:" + EXACT));
    }
}
