package dev.flywheel.retrain.runs;

/** A run was asked for a policy this scheduler does not know. */
public final class PolicyNotFoundException extends RuntimeException {
    public PolicyNotFoundException(String policyId) {
        super("no retrain policy '" + policyId + "'");
    }
}
