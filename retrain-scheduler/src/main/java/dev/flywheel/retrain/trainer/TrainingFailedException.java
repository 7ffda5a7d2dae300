package dev.flywheel.retrain.trainer;

/** Training ended without a usable adapter (a fatal error for the run; nothing is deployed). */
public final class TrainingFailedException extends RuntimeException {
    public TrainingFailedException(String message) {
        super(message);
    }

    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
