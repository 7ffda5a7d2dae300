package dev.flywheel.retrain.runs;

/**
 * Where a run is. QUEUED → BUILDING_DATASET → TRAINING → GATING → DEPLOYING → DEPLOYED, or it ends REJECTED (the
 * gate said no) or FAILED (anything went wrong; nothing is deployed). The last three are terminal.
 */
public enum RunStatus {
    QUEUED, BUILDING_DATASET, TRAINING, GATING, DEPLOYING, DEPLOYED, REJECTED, FAILED;

    public boolean terminal() {
        return this == DEPLOYED || this == REJECTED || this == FAILED;
    }
}
