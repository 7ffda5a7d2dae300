package dev.flywheel.eval.evaluators.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Blocking JSON POSTs with the protections an outbound evaluator needs. Concurrency model: callers are virtual
 * threads (one per evaluation), a {@link Semaphore} caps the calls in flight at {@code maxConcurrency} (a caller
 * waits at most one timeout for a permit), each attempt has its own timeout, failures (IO, timeout, 429, 5xx) are
 * retried with exponential backoff (backoff * 2^attempt, jittered by ±50% from a seeded generator), and a
 * {@link CircuitBreaker} refuses calls outright after repeated failed calls so a dead endpoint costs nothing.
 */
public final class ResilientHttp {
    /** Per-call policy; durations in milliseconds where the config gives integers. */
    public record Policy(Duration timeout, int maxRetries, Duration backoff, int maxConcurrency,
                         int breakerFailures, Duration breakerOpen) {
        public Policy {
            if (timeout.isNegative() || timeout.isZero() || maxRetries < 0 || maxConcurrency < 1 || breakerFailures < 1) {
                throw new IllegalArgumentException("invalid http policy " + timeout + "/" + maxRetries + "/" + maxConcurrency + "/" + breakerFailures);
            }
        }
    }

    private final HttpClient client;
    private final Policy policy;
    private final Semaphore permits;
    private final CircuitBreaker breaker;
    private final RandomGenerator jitter;

    public ResilientHttp(HttpClient client, Policy policy, Clock clock, RandomGenerator jitter) {
        this.client = client;
        this.policy = policy;
        this.permits = new Semaphore(policy.maxConcurrency());
        this.breaker = new CircuitBreaker(policy.breakerFailures(), policy.breakerOpen(), clock);
        this.jitter = jitter;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /** POSTs {@code body} (JSON) and returns the 2xx response body, or throws with the reason. */
    public String postJson(URI uri, String body, Map<String, String> headers) throws CallFailedException, InterruptedException {
        if (!breaker.tryAcquire()) {
            throw new CallFailedException(uri, 0, true, "circuit breaker open after repeated failures; refusing calls until "
                    + java.time.Instant.ofEpochMilli(breaker.openUntilMs()), null);
        }
        if (!permits.tryAcquire(policy.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
            breaker.onNeutral();
            throw new CallFailedException(uri, 0, true, "no free slot: " + policy.maxConcurrency() + " calls already in flight", null);
        }
        try {
            return attempt(uri, body, headers);
        } finally {
            permits.release();
        }
    }

    private String attempt(URI uri, String body, Map<String, String> headers) throws CallFailedException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(policy.timeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(rb::header);
        HttpRequest request = rb.build();
        String lastError = "";
        Throwable lastCause = null;
        int attempts = 0;
        for (int i = 0; i <= policy.maxRetries(); i++) {
            if (i > 0) {
                backoff(i);
            }
            attempts++;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    breaker.onSuccess();
                    return response.body();
                }
                lastError = "HTTP " + status + ": " + abbreviate(response.body());
                lastCause = null;
                if (status != 429 && status < 500) {
                    breaker.onNeutral();
                    throw new CallFailedException(uri, attempts, false, "endpoint rejected the call with " + lastError, null);
                }
            } catch (HttpTimeoutException e) {
                lastError = "timed out after " + policy.timeout().toMillis() + " ms";
                lastCause = e;
            } catch (IOException e) {
                lastError = "I/O error: " + e;
                lastCause = e;
            }
        }
        breaker.onFailure();
        throw new CallFailedException(uri, attempts, true, "call failed: " + lastError, lastCause);
    }

    private void backoff(int retry) throws InterruptedException {
        long base = policy.backoff().toMillis() << Math.min(retry - 1, 16);
        double u;
        synchronized (jitter) { // seeded generators are not thread-safe
            u = jitter.nextDouble();
        }
        long ms = (long) (base * (0.5 + u));
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }
}
