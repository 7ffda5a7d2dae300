package dev.flywheel.retrain.runs;

import java.util.List;
import java.util.Optional;

/** Where run state lives, so a restarted scheduler can see what was in flight. Implementations keep the highest version. */
public interface RunStore {
    /** Persists one version; throws {@link RunStoreException} when it could not be stored. */
    void save(RunRecord record);

    Optional<RunRecord> get(String runId);

    /** Latest version of every run, newest first. */
    List<RunRecord> list();
}
