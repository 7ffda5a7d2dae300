package dev.flywheel.eval.registry;

import java.util.List;

/**
 * Durable storage of evaluator records: the current record per id. Implementations: a compacted Kafka topic
 * (production, {@code internal.KafkaRegistryStore}) and memory (tests). A failed save throws
 * {@link RegistryStorageException} and the registry keeps its previous state; a write that lost a race to another
 * writer throws {@link EvaluatorConflictException} (first writer wins, so a version once acknowledged never changes).
 */
public interface RegistryStore {
    /** Every stored record, the latest per id. */
    List<EvaluatorRecord> loadAll();

    /**
     * Stores the record durably before returning, if it is the next change of its evaluator: its revision must be
     * above the stored one (1 for a new id) at the moment it lands. Otherwise — another writer, e.g. another replica,
     * changed the evaluator first — nothing is changed and {@link EvaluatorConflictException} says so.
     */
    void save(EvaluatorRecord record);
}
