package dev.flywheel.retrain.runs;

import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.policy.RetrainPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.random.RandomGenerator;

/**
 * Starts, lists and recovers runs. {@link #start} takes the base model's lease (one run per base model), persists
 * the QUEUED record and hands the pipeline to the executor; the lease is released when the pipeline ends.
 * {@link #recover} runs once at start-up: a run left in DEPLOYING (it had passed its gate) finishes its idempotent
 * deploy; any other unfinished run is marked FAILED — a half-trained adapter is never deployed.
 */
public final class RetrainService {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainService.class);

    private final PolicyStore policies;
    private final RunStore store;
    private final RunLease lease;
    private final RunPipeline pipeline;
    private final ExecutorService executor;
    private final Clock clock;
    private final RandomGenerator ids;

    public RetrainService(PolicyStore policies, RunStore store, RunLease lease, RunPipeline pipeline, ExecutorService executor,
                          Clock clock, RandomGenerator ids) {
        this.policies = policies;
        this.store = store;
        this.lease = lease;
        this.pipeline = pipeline;
        this.executor = executor;
        this.clock = clock;
        this.ids = ids;
    }

    public RunRecord start(String policyId, String trigger) {
        RetrainPolicy policy = policies.get(policyId).orElseThrow(() -> new PolicyNotFoundException(policyId));
        String runId = newRunId();
        RunLease.Held held = lease.tryAcquire(policy.baseModel(), runId).orElseThrow(() -> new RunConflictException(
                "a run of base model '" + policy.baseModel() + "' is already in progress (or another replica owns it)"));
        try {
            long now = clock.millis();
            RunRecord queued = new RunRecord(runId, 1, policy.id(), policy.baseModel(), policy.championModel(), trigger,
                    RunStatus.QUEUED, "", "", "", "", "", null, now, now);
            store.save(queued);
            executor.submit(() -> {
                try (held) {
                    RunRecord done = pipeline.execute(queued, policy);
                    LOG.info("retrain run {} ended {} {}", runId, done.status().name().toLowerCase(Locale.ROOT), done.error());
                } catch (RuntimeException e) {
                    LOG.error("retrain run {} could not record its end", runId, e);
                }
            });
            return queued;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    public Optional<RunRecord> get(String runId) {
        return store.get(runId);
    }

    public List<RunRecord> list() {
        return store.list();
    }

    /** Resolves runs a previous process left unfinished; returns them in their new state. */
    public List<RunRecord> recover() {
        List<RunRecord> out = new java.util.ArrayList<>();
        for (RunRecord r : store.list()) {
            if (r.status().terminal()) {
                continue;
            }
            Optional<RetrainPolicy> policy = policies.get(r.policyId());
            if (r.status() == RunStatus.DEPLOYING && policy.isPresent() && !r.adapterDir().isEmpty()) {
                Optional<RunLease.Held> held = lease.tryAcquire(r.baseModel(), r.runId());
                if (held.isPresent()) {
                    try (RunLease.Held h = held.get()) {
                        out.add(pipeline.resumeDeploy(r, policy.get()));
                    }
                    continue;
                }
            }
            RunRecord failed = r.withError("interrupted: the scheduler stopped during "
                    + r.status().name().toLowerCase(Locale.ROOT) + "; nothing was deployed").next(RunStatus.FAILED, clock.millis());
            store.save(failed);
            out.add(failed);
        }
        return out;
    }

    private String newRunId() {
        byte[] b = new byte[6];
        ids.nextBytes(b);
        return "run-" + clock.millis() + "-" + HexFormat.of().formatHex(b);
    }
}
