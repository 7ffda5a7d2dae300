package dev.flywheel.eval.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A store that lives as long as the process: for tests and for the reward library used without a cluster. */
public final class InMemoryRegistryStore implements RegistryStore {
    private final Map<String, EvaluatorRecord> records = new ConcurrentHashMap<>();

    @Override
    public List<EvaluatorRecord> loadAll() {
        return new ArrayList<>(records.values());
    }

    @Override
    public synchronized void save(EvaluatorRecord record) {
        EvaluatorRecord stored = records.get(record.id());
        if (stored != null && stored.revision() >= record.revision()) {
            throw EvaluatorConflictException.concurrentChange(record, stored.revision());
        }
        records.put(record.id(), record);
    }
}
