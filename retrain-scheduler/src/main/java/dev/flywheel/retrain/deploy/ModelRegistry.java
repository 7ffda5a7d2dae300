package dev.flywheel.retrain.deploy;

import java.util.Optional;

/** The adapter registry. {@link #registerOnce} is idempotent: an id already present is left as it is. */
public interface ModelRegistry {
    /** Registers the record unless its id exists; returns the record now in the registry. */
    AdapterRecord registerOnce(AdapterRecord record);

    Optional<AdapterRecord> find(String id);
}
