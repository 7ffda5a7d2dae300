package dev.flywheel.retrain.runs;

import dev.flywheel.retrain.dataset.DatasetSnapshot;
import dev.flywheel.retrain.dataset.DatasetSource;
import dev.flywheel.retrain.dataset.SnapshotStore;
import dev.flywheel.retrain.deploy.Deployer;
import dev.flywheel.retrain.gate.Gate;
import dev.flywheel.retrain.gate.GateDecision;
import dev.flywheel.retrain.gate.OfflineEvaluation;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.trainer.TrainedAdapter;
import dev.flywheel.retrain.trainer.Trainer;
import dev.flywheel.retrain.trainer.TrainingJob;
import dev.flywheel.retrain.trainer.TrainingProgress;
import dev.flywheel.eval.runs.Comparison;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The stages of one run, each persisted before it starts: dataset → training → gate → deploy. A run that fails at
 * any stage ends FAILED with the error, and because deploy is last, a failed or rejected run deploys nothing.
 * {@link #resumeDeploy} repeats only the (idempotent) deploy of a run that had passed its gate.
 */
public final class RunPipeline {
    private final RunStore store;
    private final DatasetSource datasets;
    private final SnapshotStore snapshots;
    private final Function<String, Trainer> trainers;
    private final Function<RetrainPolicy, Gate> gates;
    private final Function<RetrainPolicy, Deployer> deployers;
    private final MetricsSink metrics;
    private final Path workDir;
    private final Clock clock;

    public RunPipeline(RunStore store, DatasetSource datasets, SnapshotStore snapshots, Function<String, Trainer> trainers,
                       Function<RetrainPolicy, Gate> gates, Function<RetrainPolicy, Deployer> deployers, MetricsSink metrics, Path workDir, Clock clock) {
        this.store = store;
        this.datasets = datasets;
        this.snapshots = snapshots;
        this.trainers = trainers;
        this.gates = gates;
        this.deployers = deployers;
        this.metrics = metrics;
        this.workDir = workDir;
        this.clock = clock;
    }

    /** Runs every stage; returns the final record. Interrupts end the run FAILED ("cancelled") and re-assert the flag. */
    public RunRecord execute(RunRecord run, RetrainPolicy policy) {
        RunRecord r = run;
        try {
            r = advance(r, RunStatus.BUILDING_DATASET);
            DatasetSnapshot snapshot = datasets.build(policy.traffic());
            Path datasetFile = snapshots.save(snapshot);
            r = r.withDataset(snapshot.id()).withDetails(Map.of("train_prompts", Integer.toString(snapshot.train().size()),
                    "holdout_prompts", Integer.toString(snapshot.holdout().size())));

            r = advance(r, RunStatus.TRAINING);
            String adapterId = adapterId(policy, r.runId());
            Path out = workDir.resolve("runs").resolve(r.runId());
            String runId = r.runId();
            TrainedAdapter trained = trainers.apply(policy.trainer().kind()).train(
                    new TrainingJob(runId, policy, snapshot, datasetFile, out, adapterId), new TrainingProgress() {
                        @Override
                        public void metrics(int step, Map<String, Double> values) {
                            metrics.write(runId, step, values);
                        }

                        @Override
                        public void checkpoint(int step, Path peftDir) {
                        }
                    });
            r = r.withAdapter(adapterId, trained.peftDir().toString()).withDetails(prefixed("train.", trained.summary()));

            r = advance(r, RunStatus.GATING);
            GateDecision decision = gates.apply(policy).evaluate(policy.gate(), snapshot.holdout(),
                    new OfflineEvaluation.Contender(policy.championModel(), policy.championAdapterDir()),
                    new OfflineEvaluation.Contender(adapterId, trained.peftDir()));
            r = r.withDetails(gateDetails(decision));
            if (!decision.passed()) {
                return save(r.withError("gate: " + decision.reason()).next(RunStatus.REJECTED, clock.millis()));
            }
            r = advance(r, RunStatus.DEPLOYING);
            return deploy(r, policy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(r, "cancelled during " + r.status().name().toLowerCase(Locale.ROOT));
        } catch (SQLException | RuntimeException e) {
            return fail(r, r.status().name().toLowerCase(Locale.ROOT) + " failed: " + e);
        }
    }

    /** Finishes the deploy of a run persisted in DEPLOYING (after a restart). */
    public RunRecord resumeDeploy(RunRecord r, RetrainPolicy policy) {
        try {
            return deploy(r, policy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(r, "cancelled during deploying");
        } catch (RuntimeException e) {
            return fail(r, "deploying failed: " + e);
        }
    }

    private RunRecord deploy(RunRecord r, RetrainPolicy policy) throws InterruptedException {
        Map<String, String> lineage = new LinkedHashMap<>();
        lineage.put("parent", policy.championModel());
        lineage.put("run_id", r.runId());
        lineage.put("policy_id", policy.id());
        lineage.put("dataset_id", r.datasetId());
        lineage.put("trainer", policy.trainer().kind());
        policy.trainer().settings().forEach((k, v) -> lineage.put("trainer." + k, Double.toString(v)));
        r.details().forEach((k, v) -> {
            if (k.startsWith("gate.")) {
                lineage.put(k, v);
            }
        });
        Deployer.Deployment d = deployers.apply(policy).deploy(r.adapterId(), policy.baseModel(), Path.of(r.adapterDir()), lineage,
                policy.championModel(), policy.deploy().engineUrl(), policy.deploy().primaryMetric());
        return save(r.withExperiment(d.experimentId()).withDetails(Map.of("adapter_path", d.adapter().path()))
                .next(RunStatus.DEPLOYED, clock.millis()));
    }

    /** Adapter ids derive from the run id, so a repeated deploy of the same run can only find its own adapter. */
    static String adapterId(RetrainPolicy policy, String runId) {
        return policy.baseModel().replaceAll("[^A-Za-z0-9_.-]", "-") + "-rft-" + runId;
    }

    private RunRecord advance(RunRecord r, RunStatus next) {
        return save(r.next(next, clock.millis()));
    }

    private RunRecord fail(RunRecord r, String error) {
        try {
            return save(r.withError(error).next(RunStatus.FAILED, clock.millis()));
        } catch (RunStoreException e) {
            e.addSuppressed(new IllegalStateException(error));
            throw e;
        }
    }

    private RunRecord save(RunRecord r) {
        store.save(r);
        return r;
    }

    private static Map<String, String> prefixed(String prefix, Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    private static Map<String, String> gateDetails(GateDecision d) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("gate.passed", Boolean.toString(d.passed()));
        out.put("gate.reason", d.reason());
        for (Comparison c : concat(d.primary(), d.guardrails())) {
            String p = "gate." + c.evaluatorId() + ".";
            out.put(p + "champion_mean", String.valueOf(c.meanA()));
            out.put(p + "candidate_mean", String.valueOf(c.meanB()));
            out.put(p + "diff", String.valueOf(c.meanDiff()));
            out.put(p + "ci_low", String.valueOf(c.ciLow()));
            out.put(p + "ci_high", String.valueOf(c.ciHigh()));
            out.put(p + "p_value", String.valueOf(c.pValue()));
            out.put(p + "pairs", Integer.toString(c.pairs()));
        }
        return out;
    }

    private static List<Comparison> concat(Comparison first, List<Comparison> rest) {
        List<Comparison> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
