package dev.flywheel.splitter.experiments;

/**
 * A transition or write that does not apply to the experiment's current state (HTTP 409): an illegal state
 * transition, or a compare-and-set that lost because the record changed under it ({@link #retriable()} is true
 * then: re-read and decide again).
 */
public final class ExperimentConflictException extends RuntimeException {
    private final String experimentId;
    private final long currentVersion;
    private final boolean retriable;

    public ExperimentConflictException(String experimentId, long currentVersion, boolean retriable, String message) {
        super("experiment '" + experimentId + "' (version " + currentVersion + "): " + message);
        this.experimentId = experimentId;
        this.currentVersion = currentVersion;
        this.retriable = retriable;
    }

    public String experimentId() {
        return experimentId;
    }

    /** The version this replica saw when the conflict was detected. */
    public long currentVersion() {
        return currentVersion;
    }

    /** True for a lost compare-and-set (state moved on; retry after re-reading), false for an illegal transition. */
    public boolean retriable() {
        return retriable;
    }
}
