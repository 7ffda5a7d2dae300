package dev.flywheel.splitter.experiments;

/** No experiment with this id (HTTP 404). */
public final class ExperimentNotFoundException extends RuntimeException {
    private final String experimentId;

    public ExperimentNotFoundException(String experimentId) {
        super("no experiment with id '" + experimentId + "'");
        this.experimentId = experimentId;
    }

    public String experimentId() {
        return experimentId;
    }
}
