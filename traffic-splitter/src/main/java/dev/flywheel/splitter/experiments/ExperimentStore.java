package dev.flywheel.splitter.experiments;

import java.util.List;
import java.util.Optional;

/**
 * The replicated state of all experiments (the compacted topic in production). Reads are this replica's view;
 * {@link #write} is a compare-and-set: it succeeds only if {@code next.version()} is exactly one more than the
 * version this store applied for that id (or 1 for a new id), and it returns only once this replica has applied it,
 * so a read after a write sees the write.
 */
public interface ExperimentStore {
    List<Experiment> all();

    Optional<Experiment> get(String id);

    /** Grows whenever this replica applies a write: lets readers cache views built from {@link #all()}. */
    long revision();

    /**
     * Writes the whole record; {@code reason} travels with it (a record header) for the audit trail.
     *
     * @throws ExperimentConflictException (retriable) when another write of the same version got there first
     * @throws StoreUnavailableException (retriable) when the log cannot be reached in time
     */
    Experiment write(Experiment next, String reason);
}
