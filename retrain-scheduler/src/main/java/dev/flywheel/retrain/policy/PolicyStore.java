package dev.flywheel.retrain.policy;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The policies this scheduler knows. Policies are configuration (loaded at start from a JSON file, or put through
 * the admin API); every replica is given the same file, so no shared store is needed for them.
 */
public final class PolicyStore {
    private final Map<String, RetrainPolicy> policies = new ConcurrentHashMap<>();

    public void put(RetrainPolicy policy) {
        policies.put(policy.id(), policy);
    }

    public Optional<RetrainPolicy> get(String id) {
        return Optional.ofNullable(policies.get(id));
    }

    public List<RetrainPolicy> all() {
        return policies.values().stream().sorted(Comparator.comparing(RetrainPolicy::id)).toList();
    }
}
