package dev.flywheel.retrain.deploy;

/**
 * Creates and starts the champion-vs-candidate experiment (at the first stage of the default ramp plan, 1 %).
 * Idempotent on the experiment id: an existing experiment is not created again, and one already started stays so.
 */
public interface ExperimentLauncher {
    /** Returns the experiment id. */
    String launch(ExperimentRequest request) throws InterruptedException;

    record ExperimentRequest(String experimentId, String description, String championModel, String candidateModel,
                             java.net.URI backendUrl, String primaryMetric) {}
}
