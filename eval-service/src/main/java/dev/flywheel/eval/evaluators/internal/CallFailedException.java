package dev.flywheel.eval.evaluators.internal;

import java.net.URI;

/**
 * An outbound evaluator call (http reward endpoint, LLM judge, embeddings) that did not produce an answer.
 * {@code retriable}: the endpoint may answer later (timeouts, 5xx, 429, connection errors, an open breaker);
 * fatal otherwise (4xx, an unparseable answer). Carries the endpoint and the number of attempts made.
 */
public final class CallFailedException extends Exception {
    private final URI endpoint;
    private final int attempts;
    private final boolean retriable;

    public CallFailedException(URI endpoint, int attempts, boolean retriable, String message, Throwable cause) {
        super(message + " (" + endpoint + ", " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ")", cause);
        this.endpoint = endpoint;
        this.attempts = attempts;
        this.retriable = retriable;
    }

    public URI endpoint() {
        return endpoint;
    }

    public int attempts() {
        return attempts;
    }

    public boolean retriable() {
        return retriable;
    }
}
