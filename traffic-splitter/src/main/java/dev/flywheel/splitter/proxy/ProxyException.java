package dev.flywheel.splitter.proxy;

/**
 * A request the proxy answers with an error of its own (not the backend's): the HTTP status, the field or header at
 * fault ("$" for the body), and an OpenAI-style error type. 4xx are fatal for that request; 502/503/504 retriable.
 */
public final class ProxyException extends RuntimeException {
    private final int status;
    private final String field;
    private final String type;

    public ProxyException(int status, String field, String type, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.field = field;
        this.type = type;
    }

    public static ProxyException invalid(String field, String message) {
        return new ProxyException(400, field, "invalid_request", message, null);
    }

    /** {@code failure} as the stage of a {@code CompletableFuture} saw it, without its {@code CompletionException} wrapper. */
    public static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }

    public String type() {
        return type;
    }

    public boolean retriable() {
        return status >= 500;
    }
}
