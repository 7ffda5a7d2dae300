package dev.flywheel.engine.batching;

/**
 * Receives one request's output, on the engine thread: keep it fast and non-blocking. Exactly one of
 * {@link #onComplete} or {@link #onError} ends the stream. An exception thrown from a callback
 * cancels the request (it is logged, and the request's blocks are freed).
 */
public interface GenerationListener {
    /**
     * One generated token. {@code textDelta} is the text that became final with it: possibly empty
     * (held back while it might still become a stop sequence or a multi-byte character).
     */
    void onToken(int token, String textDelta);

    void onComplete(GenerationResult result);

    void onError(GenerationException error);
}
