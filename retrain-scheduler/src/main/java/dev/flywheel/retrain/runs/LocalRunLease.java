package dev.flywheel.retrain.runs;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The lease within one process (a map of base model → run id), optionally narrowed by replica leadership:
 * with several replicas, {@code leads} says whether this replica owns the base model (see
 * {@link dev.flywheel.contracts.leadership.PartitionLeadership}: Kafka group partition ownership, so exactly one live replica owns each base model),
 * and only the owner may start runs for it. Runs still in flight on a replica that lost ownership are not stopped —
 * they finish, and their deploy is idempotent (adapter and experiment ids derive from the run id), so an overlap
 * during a hand-over cannot register anything twice.
 */
public final class LocalRunLease implements RunLease {
    private final Map<String, String> holders = new ConcurrentHashMap<>();
    private final Predicate<String> leads;

    public LocalRunLease(Predicate<String> leads) {
        this.leads = leads;
    }

    /** A single replica: owns every base model. */
    public static LocalRunLease singleReplica() {
        return new LocalRunLease(b -> true);
    }

    @Override
    public Optional<Held> tryAcquire(String baseModel, String runId) {
        if (!leads.test(baseModel) || holders.putIfAbsent(baseModel, runId) != null) {
            return Optional.empty();
        }
        return Optional.of(new Held() {
            @Override
            public String baseModel() {
                return baseModel;
            }

            @Override
            public void close() {
                holders.remove(baseModel, runId);
            }
        });
    }

    /** The run holding {@code baseModel}, if any. */
    public Optional<String> holder(String baseModel) {
        return Optional.ofNullable(holders.get(baseModel));
    }
}
