package dev.flywheel.eval.runs;

/** No run with this id (a 404). */
public final class RunNotFoundException extends RuntimeException {
    private final String runId;

    public RunNotFoundException(String runId) {
        super("no eval run '" + runId + "'");
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }
}
