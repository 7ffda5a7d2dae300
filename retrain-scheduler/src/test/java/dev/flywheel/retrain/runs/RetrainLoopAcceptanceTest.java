package dev.flywheel.retrain.runs;

import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.eval.runs.Comparison;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.retrain.bench.ArithmeticSetup;
import dev.flywheel.retrain.dataset.SnapshotStore;
import dev.flywheel.retrain.deploy.Deployer;
import dev.flywheel.retrain.deploy.ExperimentLauncher;
import dev.flywheel.retrain.deploy.InMemoryModelRegistry;
import dev.flywheel.retrain.gate.EngineOfflineEvaluation;
import dev.flywheel.retrain.gate.Gate;
import dev.flywheel.retrain.gate.OfflineEvaluation;
import dev.flywheel.retrain.policy.DeployTarget;
import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.trainer.BuiltInGrpoTrainer;
import dev.flywheel.retrain.trainer.TrainedAdapter;
import dev.flywheel.retrain.trainer.Trainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop's safety properties on the shipped model: a run trained on an inverted reward is rejected by the gate and
 * deploys nothing; a run whose process dies mid-training ends FAILED after restart with nothing registered and no
 * experiment; a run that died while deploying finishes its deploy exactly once.
 */
class RetrainLoopAcceptanceTest {
    private static final Path MODEL = Path.of("../inference-engine/models/arith-tiny");

    private final Clock clock = Clock.fixed(Instant.parse("2026-01-10T02:00:00Z"), ZoneOffset.UTC);
    private final ExecutorService runs = Executors.newSingleThreadExecutor();
    private final ExecutorService scoring = Executors.newVirtualThreadPerTaskExecutor();
    private final Rewards rewards = ArithmeticSetup.rewards(clock, scoring);
    private final InMemoryRunStore store = new InMemoryRunStore();
    private final InMemoryModelRegistry registry = new InMemoryModelRegistry();
    private final List<ExperimentLauncher.ExperimentRequest> experiments = new CopyOnWriteArrayList<>();
    private final PolicyStore policies = new PolicyStore();

    @TempDir
    Path work;

    @AfterEach
    void stop() throws InterruptedException {
        runs.shutdownNow();
        scoring.shutdownNow();
        assertTrue(runs.awaitTermination(30, TimeUnit.SECONDS));
    }

    private RetrainService service(Function<String, Trainer> trainers, Function<RetrainPolicy, Gate> gates) {
        Deployer deployer = new Deployer(work.resolve("adapters"), registry, null, req -> {
            experiments.add(req);
            return req.experimentId();
        }, clock);
        RunPipeline pipeline = new RunPipeline(store, ArithmeticSetup.taskTraffic(400, 5, 20, clock),
                new SnapshotStore(work.resolve("datasets"), new com.fasterxml.jackson.databind.ObjectMapper()), trainers, gates,
                p -> deployer, (run, step, values) -> { }, work, clock);
        return new RetrainService(policies, store, LocalRunLease.singleReplica(), pipeline, runs, clock, new SplittableRandom(3));
    }

    /** The pipeline runs on the single-thread executor {@code runs}: a no-op queued behind it completes when the run has ended. */
    private RunRecord awaitTerminal(RetrainService service, String runId) throws Exception {
        runs.submit(() -> { }).get(150, TimeUnit.SECONDS);
        return service.get(runId).orElseThrow();
    }

    @Test
    void runTrainedOnAnInvertedRewardIsRejectedByTheGateAndDeploysNothing() throws Exception {
        RetrainPolicy inverted = ArithmeticSetup.policy("inverted", MODEL, -1.0, Map.of("steps", 12.0, "prompts_per_step", 16.0,
                "learning_rate", 1e-2, "epochs_per_batch", 2.0, "checkpoint_every", 0.0), 80);
        policies.put(inverted);
        RetrainService service = service(kind -> new BuiltInGrpoTrainer(rewards, Kernels.best()),
                p -> new Gate(new EngineOfflineEvaluation(p.baseModelDir(), rewards, Kernels.best(), 6)));
        RunRecord done = awaitTerminal(service, service.start("inverted", "api").runId());
        assertEquals(RunStatus.REJECTED, done.status(), done.error());
        double diff = Double.parseDouble(done.details().get("gate.exact_answer.diff"));
        assertTrue(diff < 0, "the inverted-reward candidate must score below the base, diff " + diff);
        assertTrue(done.error().startsWith("gate: exact_answer"), done.error());
        assertTrue(registry.writes().isEmpty(), "nothing registered");
        assertTrue(experiments.isEmpty(), "no experiment");
        assertTrue(Files.exists(work.resolve("datasets").resolve(done.datasetId() + ".jsonl")), "the snapshot is stored under its id");
    }

    @Test
    void killDuringTrainingThenRestartFailsTheRunCleanlyAndRegistersNothing() throws Exception {
        policies.put(ArithmeticSetup.policy("arith", MODEL, 1.0, Map.of(), 50));
        CountDownLatch training = new CountDownLatch(1);
        Trainer hangs = (job, progress) -> {
            training.countDown();
            new CountDownLatch(1).await(); // until the process "dies"
            throw new AssertionError("unreachable");
        };
        RetrainService first = service(kind -> hangs, p -> { throw new AssertionError("no gate before training ends"); });
        String runId = first.start("arith", "api").runId();
        assertTrue(training.await(60, TimeUnit.SECONDS));
        assertEquals(RunStatus.TRAINING, store.get(runId).orElseThrow().status());
        assertThrows(RunConflictException.class, () -> first.start("arith", "api"), "one run per base model");

        // kill -9: the persisted TRAINING record outlives the process; a new scheduler on the same store recovers it.
        RunRecord persisted = store.get(runId).orElseThrow();
        InMemoryRunStore restartedStore = new InMemoryRunStore();
        restartedStore.save(persisted);
        RetrainService restarted = new RetrainService(policies, restartedStore, LocalRunLease.singleReplica(),
                new RunPipeline(restartedStore, ArithmeticSetup.taskTraffic(10, 1, 20, clock), null, k -> hangs, p -> null,
                        p -> new Deployer(work.resolve("adapters"), registry, null, null, clock), (r, s, v) -> { }, work, clock),
                runs, clock, new SplittableRandom(4));
        List<RunRecord> recovered = restarted.recover();
        assertEquals(1, recovered.size());
        assertEquals(RunStatus.FAILED, restartedStore.get(runId).orElseThrow().status());
        assertTrue(restartedStore.get(runId).orElseThrow().error().contains("during training"));
        assertTrue(restarted.recover().isEmpty(), "a second restart finds nothing to do");

        // The crashed thread of the first process ends FAILED too, never half-deployed.
        runs.shutdownNow();
        assertTrue(runs.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(RunStatus.FAILED, store.get(runId).orElseThrow().status());
        assertTrue(registry.writes().isEmpty(), "no adapter registered");
        assertTrue(experiments.isEmpty(), "no experiment for a failed run");
    }

    @Test
    void runThatDiedWhileDeployingFinishesItsDeployExactlyOnceAfterRestart() throws Exception {
        RetrainPolicy base = ArithmeticSetup.policy("arith", MODEL, 1.0, Map.of(), 50);
        policies.put(new RetrainPolicy(base.id(), base.baseModel(), base.baseModelDir(), null, null, base.traffic(), base.reward(), base.trainer(),
                base.gate(), base.schedule(), new DeployTarget(URI.create("http://127.0.0.1:8000"), URI.create("http://127.0.0.1:8080"),
                "score:exact_answer")));
        Path adapter = work.resolve("trained");
        Files.createDirectories(adapter);
        Files.writeString(adapter.resolve("adapter_config.json"), "{}");
        Files.writeString(adapter.resolve("adapter_model.safetensors"), "x");
        RunRecord deploying = new RunRecord("run-7", 5, "arith", "arith-tiny", "arith-tiny", "schedule", RunStatus.DEPLOYING,
                "ds-1", "arith-tiny-rft-run-7", adapter.toString(), "", "", Map.of("gate.passed", "true"), 1, 2);
        store.save(deploying);
        RetrainService restarted = service(k -> { throw new AssertionError("no training on resume"); }, p -> null);
        restarted.recover();
        restarted.recover();
        RunRecord done = store.get("run-7").orElseThrow();
        assertEquals(RunStatus.DEPLOYED, done.status(), done.error());
        assertEquals(1, registry.writes().size(), "registered once");
        assertEquals("ds-1", registry.writes().getFirst().lineage().get("dataset_id"));
        assertEquals(1, experiments.size(), "one experiment");
        assertEquals("exp-arith-tiny-rft-run-7", done.experimentId());
        assertTrue(Files.exists(work.resolve("adapters/arith-tiny-rft-run-7/adapter_config.json")));
    }

    @Test
    void gateStatisticsThatAreNotSignificantRejectEvenWhenTheMeanIsHigher() throws Exception {
        policies.put(ArithmeticSetup.policy("arith", MODEL, 1.0, Map.of(), 50));
        Path trained = work.resolve("t");
        Files.createDirectories(trained);
        Trainer instant = (job, progress) -> new TrainedAdapter(trained, Map.of("trainer", "stub"));
        OfflineEvaluation noisy = (holdout, a, b, evaluators, confidence) -> evaluators.stream().map(e -> new Comparison(e, "a", "b",
                40, 0, 0.50, 0.52, 0.02, -0.05, 0.09, 0.6, confidence, 10, 22, 8)).toList();
        RetrainService service = service(k -> instant, p -> new Gate(noisy));
        RunRecord done = awaitTerminal(service, service.start("arith", "api").runId());
        assertEquals(RunStatus.REJECTED, done.status());
        assertEquals("-0.05", done.details().get("gate.exact_answer.ci_low"));
        assertTrue(registry.writes().isEmpty() && experiments.isEmpty());
    }
}
