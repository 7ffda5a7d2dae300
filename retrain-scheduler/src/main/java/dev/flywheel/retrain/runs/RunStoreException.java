package dev.flywheel.retrain.runs;

/** The run store could not be read or written (retriable: the store may come back). */
public final class RunStoreException extends RuntimeException {
    public RunStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
