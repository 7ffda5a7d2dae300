package dev.flywheel.retrain.runs;

/** Another run of the same base model holds the lease (here or on another replica); try again when it ends. */
public final class RunConflictException extends RuntimeException {
    public RunConflictException(String message) {
        super(message);
    }
}
