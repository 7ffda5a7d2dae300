package dev.flywheel.splitter.proxy.internal;

import dev.flywheel.splitter.proxy.BackendTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        http.sendAsync(b.build(), info -> {
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
}
