package dev.flywheel.splitter.experiments;

/** The experiment state log could not be read or written in time (retriable; HTTP 503). */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
