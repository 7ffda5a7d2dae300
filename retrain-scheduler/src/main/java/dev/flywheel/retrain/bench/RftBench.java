package dev.flywheel.retrain.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.task.AdditionTask;
import dev.flywheel.engine.task.GreedyEvaluator;
import dev.flywheel.engine.task.Split;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.engine.training.TrainShippedModel;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.retrain.dataset.SnapshotStore;
import dev.flywheel.retrain.deploy.Deployer;
import dev.flywheel.retrain.deploy.InMemoryModelRegistry;
import dev.flywheel.retrain.gate.EngineOfflineEvaluation;
import dev.flywheel.retrain.gate.Gate;
import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.runs.InMemoryRunStore;
import dev.flywheel.retrain.runs.LocalRunLease;
import dev.flywheel.retrain.runs.RetrainService;
import dev.flywheel.retrain.runs.RunPipeline;
import dev.flywheel.retrain.runs.RunRecord;
import dev.flywheel.retrain.trainer.BuiltInGrpoTrainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.io.file.PathUtils;

/**
 * {@code ./run bench rft}: one whole retrain run from the base of the shipped model through the real pipeline
 * (dataset from task traffic, built-in GRPO with eval-service rewards, offline gate, deploy into an in-memory
 * registry), then the task's held-out exact match (greedy, 300 held-out problems, seed 2024 — the sample the model's
 * README reports) before and after. Args: [steps] (default 5000) [traffic] (distinct TRAIN-split prompts in the night's
 * traffic, default 40000) [learning rate] (default 3e-3) [rank] (default 8; alpha = 2 rank) [temperature] (default 1.0).
 * With 4,000 prompts GRPO plateaued near 0.44 held-out (it re-saw each prompt ~35 times); with 40,000 it kept gaining.
 * Last line: {@code BENCH rft {json}}.
 */
public final class RftBench {
    private RftBench() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int traffic = args.length > 1 ? Integer.parseInt(args[1]) : 40_000;
        double lr = args.length > 2 ? Double.parseDouble(args[2]) : 3e-3;
        int rank = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        double temperature = args.length > 4 ? Double.parseDouble(args[4]) : 1.0;
        Path model = Files.isDirectory(ArithmeticSetup.SHIPPED_MODEL) ? ArithmeticSetup.SHIPPED_MODEL
                : Path.of("..").resolve(ArithmeticSetup.SHIPPED_MODEL);
        Clock clock = Clock.systemUTC();
        Kernels kernels = Kernels.best();
        // The run's datasets, checkpoints and adapter live in a temporary directory, removed at the end.
        Path work = Files.createTempDirectory("rft-bench");
        try {
            var heldOut = AdditionTask.standard().sample(new SplittableRandom(TrainShippedModel.REPORT_SEED), Split.HELD_OUT,
                    TrainShippedModel.REPORT_SIZE);
            Tokenizer tokenizer = Tokenizer.load(model.resolve("tokenizer.json"));
            double before;
            try (LlamaModel m = LlamaModel.load(model, kernels)) {
                before = new GreedyEvaluator(m, tokenizer, 6).accuracy(heldOut, null);
            }
            ExecutorService scoring = Executors.newVirtualThreadPerTaskExecutor();
            ExecutorService runs = Executors.newSingleThreadExecutor();
            Rewards rewards = ArithmeticSetup.rewards(clock, scoring);
            RetrainPolicy policy = ArithmeticSetup.policy("arith-nightly", model, 1.0, Map.of(
                    "steps", (double) steps, "rank", (double) rank, "alpha", 2.0 * rank, "prompts_per_step", 32.0, "group_size", 8.0,
                    "temperature", temperature, "learning_rate", lr, "epochs_per_batch", 1.0, "checkpoint_every", 500.0,
                    "cosine_decay", 1.0), 500);
            PolicyStore policies = new PolicyStore();
            policies.put(policy);
            InMemoryRunStore store = new InMemoryRunStore();
            InMemoryModelRegistry registry = new InMemoryModelRegistry();
            LongAdder tokens = new LongAdder();
            DoubleAdder rolloutSeconds = new DoubleAdder();
            DoubleAdder trainSeconds = new DoubleAdder();
            LongAdder trainSteps = new LongAdder();
            RunPipeline pipeline = new RunPipeline(store, ArithmeticSetup.taskTraffic(traffic, 5, 20, clock),
                    new SnapshotStore(work.resolve("datasets"), new ObjectMapper()), kind -> new BuiltInGrpoTrainer(rewards, kernels),
                    p -> new Gate(new EngineOfflineEvaluation(p.baseModelDir(), rewards, kernels, 6)),
                    p -> new Deployer(work.resolve("adapters"), registry, null, null, clock), (run, step, v) -> {
                        tokens.add(v.get("rollout_tokens").longValue());
                        rolloutSeconds.add(v.get("rollout_seconds"));
                        trainSeconds.add(v.get("train_seconds"));
                        trainSteps.increment();
                        if (step % 50 == 0) {
                            System.out.printf("step %d reward %.3f loss %.4f kl %.4f grad %.3f%n", step, v.get("reward_mean"),
                                    v.get("loss"), v.get("kl"), v.get("grad_norm"));
                        }
                    }, work, clock);
            RetrainService service = new RetrainService(policies, store, LocalRunLease.singleReplica(), pipeline, runs, clock,
                    new SplittableRandom(1));
            long t0 = System.nanoTime();
            String runId = service.start(policy.id(), "bench").runId();
            runs.submit(() -> { }).get(30, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - t0) / 1e9;
            RunRecord done = store.get(runId).orElseThrow();
            double after = Double.NaN;
            if (!done.adapterDir().isEmpty()) {
                try (LlamaModel m = LlamaModel.load(model, kernels)) {
                    after = new GreedyEvaluator(m, tokenizer, 6).accuracy(heldOut,
                            LoraAdapter.load(Path.of(done.adapterDir()), m.config(), done.adapterId()));
                }
            }
            runs.shutdown();
            scoring.shutdown();
            System.out.println("run " + runId + " ended " + done.status() + " " + done.error());
            System.out.println("gate: " + done.details().get("gate.reason"));
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("rollout_tok_per_s", tokens.sum() / rolloutSeconds.sum());
            json.put("train_steps_per_s", trainSteps.sum() / trainSeconds.sum());
            json.put("accuracy_before", before);
            json.put("accuracy_after", after);
            json.put("seconds", seconds);
            json.put("steps", trainSteps.sum());
            json.put("traffic_prompts", traffic);
            json.put("learning_rate", lr);
            json.put("rank", rank);
            json.put("temperature", temperature);
            json.put("status", done.status().name().toLowerCase(java.util.Locale.ROOT));
            json.put("gate_passed", Boolean.parseBoolean(done.details().getOrDefault("gate.passed", "false")));
            json.put("registered", registry.writes().size());
            json.put("kernels", kernels.getClass().getSimpleName());
            System.out.println("BENCH rft " + json);
        } finally {
            PathUtils.deleteDirectory(work);
        }
    }
}
