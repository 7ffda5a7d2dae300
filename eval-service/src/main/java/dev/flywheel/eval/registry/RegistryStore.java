package dev.flywheel.eval.registry;

import java.util.List;

/**
 * Durable storage of evaluator records: the current record per id. Implementations: a compacted Kafka topic
 * (production, {@code internal.KafkaRegistryStore}) and memory (tests). A failed save throws
 * {@link RegistryStorageException} and the registry keeps its previous state.
 */
public interface RegistryStore {
    /** Every stored record, the latest per id. */
    List<EvaluatorRecord> loadAll();

    /** Stores the record durably before returning. */
    void save(EvaluatorRecord record);
}
