package dev.flywheel.retrain.policy;

/** A policy (or a run request) that cannot be used: names the JSON field and what was expected. Fatal, never retried. */
public final class InvalidPolicyException extends IllegalArgumentException {
    private final String field;

    public InvalidPolicyException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
