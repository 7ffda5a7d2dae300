package dev.flywheel.splitter.experiments;

/** Checks, before an experiment starts, that a variant's backend answers (e.g. {@code GET /v1/models}). */
public interface BackendProbe {
    /**
     * @throws BackendUnreachableException when the backend does not answer successfully in time
     */
    void check(Variant variant);

    /** A backend that did not answer: names the URL and what happened. */
    final class BackendUnreachableException extends RuntimeException {
        public BackendUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
