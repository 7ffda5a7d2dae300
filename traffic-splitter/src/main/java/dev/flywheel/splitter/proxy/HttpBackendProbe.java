package dev.flywheel.splitter.proxy;

import dev.flywheel.splitter.experiments.BackendProbe;
import dev.flywheel.splitter.experiments.Variant;
import dev.flywheel.splitter.proxy.internal.Target;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reachability check before start: {@code GET <backend>/v1/models} must answer with a status below 500 within the
 * timeout (a 401 from a hosted API still proves the URL is right; a refused connection or a 5xx does not).
 */
public final class HttpBackendProbe implements BackendProbe {
    private final HttpClient http;
    private final Duration timeout;

    public HttpBackendProbe(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    @Override
    public void check(Variant variant) {
        var uri = Target.resolve(variant.backendUrl(), "/v1/models");
        try {
            HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() >= 500) {
                throw new BackendUnreachableException("GET " + uri + " answered " + resp.statusCode(), null);
            }
        } catch (IOException e) {
            throw new BackendUnreachableException("GET " + uri + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendUnreachableException("interrupted while checking " + uri, e);
        }
    }
}
