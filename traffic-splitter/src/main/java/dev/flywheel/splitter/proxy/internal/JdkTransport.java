package dev.flywheel.splitter.proxy.internal;

import dev.flywheel.splitter.proxy.BackendTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import reactor.adapter.JdkFlowAdapter;

/** {@link BackendTransport} over the JDK's {@link HttpClient}: any scheme (https included), any caller thread. */
public final class JdkTransport implements BackendTransport {
    private final HttpClient http;

    public JdkTransport(HttpClient http) {
        this.http = http;
    }

    /**
     * Completes when the body has arrived, on the HTTP client's own thread. (The future {@code sendAsync} returns
     * completes only after a further hop to the common pool, by the JDK's design: one more thread switch per request,
     * and on 2 cores a pool of one thread. Failures — connect, timeout — still arrive through it.)
     */
    @Override
    public CompletableFuture<Answer> post(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        http.sendAsync(request(endpoint, headers, body, timeout), info -> {
            int status = info.statusCode();
            String type = info.headers().firstValue("content-type").orElse("application/json");
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), bytes -> {
                answer.complete(new Answer(status, type, bytes));
                return bytes;
            });
        }).whenComplete((r, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            }
        });
        return answer;
    }

    @Override
    public CompletableFuture<Streamed> stream(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
        return http.sendAsync(request(endpoint, headers, body, timeout), HttpResponse.BodyHandlers.ofPublisher())
                .thenApply(resp -> new Streamed(resp.statusCode(), resp.headers().firstValue("content-type").orElse("application/json"),
                        JdkFlowAdapter.flowPublisherToFlux(resp.body()).map(JdkTransport::concat)));
    }

    private static HttpRequest request(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return b.build();
    }

    private static byte[] concat(List<ByteBuffer> buffers) {
        int n = 0;
        for (ByteBuffer b : buffers) n += b.remaining();
        byte[] out = new byte[n];
        int pos = 0;
        for (ByteBuffer b : buffers) {
            int r = b.remaining();
            b.get(out, pos, r);
            pos += r;
        }
        return out;
    }
}
