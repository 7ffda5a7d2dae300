package dev.flywheel.splitter.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Publisher;

/**
 * How the proxy sends a request to a backend and gets its answer, whole or streamed. Failures complete the future
 * exceptionally: {@link java.net.http.HttpTimeoutException} when {@code timeout} passed (the proxy answers 504), any
 * other exception when no answer came (connection refused or lost: 502). A backend's own error status is an answer.
 */
public interface BackendTransport extends AutoCloseable {
    /** A backend's whole answer. */
    record Answer(int status, String contentType, byte[] body) {}

    /** A backend's answer as it streams: status and type at once, the body's chunks as they arrive. */
    record Streamed(int status, String contentType, Publisher<byte[]> body) {}

    /** POSTs {@code body} (JSON) to {@code endpoint} with {@code headers} (besides Host, Content-Type and Content-Length). */
    CompletableFuture<Answer> post(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout);

    /**
     * As {@link #post}, for {@code "stream": true} requests: completes when the answer's head arrived ({@code timeout}
     * bounds that wait only). The body publisher takes one subscriber; it fails if the connection breaks mid-stream,
     * and cancelling it drops the connection, which stops the backend's generation.
     */
    CompletableFuture<Streamed> stream(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout);

    @Override
    default void close() {}
}
