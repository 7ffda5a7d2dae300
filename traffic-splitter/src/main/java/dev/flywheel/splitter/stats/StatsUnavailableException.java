package dev.flywheel.splitter.stats;

/**
 * Results could not be computed because ClickHouse failed or did not answer. Retriable: the ramp controller holds
 * (takes no action) and tries again at the next tick.
 */
public final class StatsUnavailableException extends RuntimeException {
    private final String experimentId;

    public StatsUnavailableException(String experimentId, String message, Throwable cause) {
        super("statistics for experiment '" + experimentId + "' unavailable: " + message, cause);
        this.experimentId = experimentId;
    }

    public String experimentId() {
        return experimentId;
    }

    public boolean retriable() {
        return true;
    }
}
