package dev.flywheel.retrain.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A registry for one process (tests, dry runs); also counts every write so tests can see a double registration. */
public final class InMemoryModelRegistry implements ModelRegistry {
    private final Map<String, AdapterRecord> records = new ConcurrentHashMap<>();
    private final List<AdapterRecord> writes = new CopyOnWriteArrayList<>();

    @Override
    public AdapterRecord registerOnce(AdapterRecord record) {
        return records.computeIfAbsent(record.id(), id -> {
            writes.add(record);
            return record;
        });
    }

    @Override
    public Optional<AdapterRecord> find(String id) {
        return Optional.ofNullable(records.get(id));
    }

    public List<AdapterRecord> writes() {
        return List.copyOf(writes);
    }
}
