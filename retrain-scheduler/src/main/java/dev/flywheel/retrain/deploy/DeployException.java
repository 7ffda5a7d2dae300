package dev.flywheel.retrain.deploy;

/** A deploy step failed; {@code retriable} says whether trying again later can succeed (5xx, timeouts) or not (4xx). */
public final class DeployException extends RuntimeException {
    private final boolean retriable;

    public DeployException(String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
    }

    public boolean retriable() {
        return retriable;
    }
}
