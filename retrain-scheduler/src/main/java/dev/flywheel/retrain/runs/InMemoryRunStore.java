package dev.flywheel.retrain.runs;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Run state for one process (tests, single-node dry runs); keeps the highest version of each run. */
public final class InMemoryRunStore implements RunStore {
    private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();

    @Override
    public void save(RunRecord record) {
        runs.merge(record.runId(), record, (old, neu) -> neu.version() >= old.version() ? neu : old);
    }

    @Override
    public Optional<RunRecord> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public List<RunRecord> list() {
        return runs.values().stream().sorted(Comparator.comparingLong(RunRecord::createdAtMs).reversed()).toList();
    }
}
