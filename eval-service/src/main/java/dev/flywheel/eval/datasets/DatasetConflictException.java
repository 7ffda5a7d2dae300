package dev.flywheel.eval.datasets;

/** A dataset id that already names different content (a 409; fatal). */
public final class DatasetConflictException extends RuntimeException {
    private final String datasetId;

    public DatasetConflictException(String datasetId, String message) {
        super(message);
        this.datasetId = datasetId;
    }

    public String datasetId() {
        return datasetId;
    }
}
