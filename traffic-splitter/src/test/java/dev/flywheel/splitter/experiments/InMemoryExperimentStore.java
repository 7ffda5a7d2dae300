package dev.flywheel.splitter.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A single-replica {@link ExperimentStore} for tests: the same compare-and-set rule as the topic store. */
public final class InMemoryExperimentStore implements ExperimentStore {
    private final Map<String, Experiment> records = new ConcurrentHashMap<>();
    private final List<String> reasons = new ArrayList<>();

    @Override
    public List<Experiment> all() {
        return records.values().stream().sorted(java.util.Comparator.comparing(Experiment::id)).toList();
    }

    @Override
    public Optional<Experiment> get(String id) {
        return Optional.ofNullable(records.get(id));
    }

    @Override
    public synchronized long revision() {
        return reasons.size();
    }

    @Override
    public synchronized Experiment write(Experiment next, String reason) {
        Experiment current = records.get(next.id());
        long expected = current == null ? 1 : current.version() + 1;
        if (next.version() != expected) {
            throw new ExperimentConflictException(next.id(), current == null ? 0 : current.version(), true,
                    "write of version " + next.version() + " lost: expected " + expected);
        }
        records.put(next.id(), next);
        reasons.add(next.id() + "@" + next.version() + ": " + reason);
        return next;
    }

    public synchronized List<String> reasons() {
        return List.copyOf(reasons);
    }
}
