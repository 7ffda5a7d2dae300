package dev.flywheel.splitter.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the proxy sends a non-streaming request to a backend and gets its whole answer. Failures complete the future
 * exceptionally: {@link java.net.http.HttpTimeoutException} when {@code timeout} passed (the proxy answers 504), any
 * other exception when no answer came (connection refused or lost: 502). A backend's own error status is an answer.
 */
public interface BackendTransport extends AutoCloseable {
    /** A backend's whole answer. */
    record Answer(int status, String contentType, byte[] body) {}

    /** POSTs {@code body} (JSON) to {@code endpoint} with {@code headers} (besides Host, Content-Type and Content-Length). */
    CompletableFuture<Answer> post(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout);

    @Override
    default void close() {}
}
