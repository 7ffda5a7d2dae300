package dev.flywheel.splitter.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.time.Duration;

/**
 * {@code flywheel.splitter.*}: the proxy and the experiment store. Defaults live here (not in application.yml)
 * because every service shares one classpath in the launcher. Invalid values fail start-up.
 *
 * @param defaultBackendUrl   where requests outside every experiment go (base URL of an OpenAI-compatible server)
 * @param captureContent      put prompts and completions into inference events
 * @param redactContent       replace captured prompts/completions by "[redacted]" before they leave the proxy
 * @param fallbackToControl   retry a failed treatment request on the control variant (event status fallback)
 * @param eventBuffer         inference events waiting for Kafka; when full, new events are dropped and counted
 * @param connectTimeout      connecting to a backend
 * @param backendTimeout      a whole non-streaming backend call, or the wait for a stream's response headers
 * @param probeTimeout        the reachability check of each variant's backend on experiment start
 * @param storeTimeout        a write to the experiment topic waiting to be seen by this replica; also the start-up catch-up
 * @param maxRequestBytes     larger request bodies get a 413
 * @param topicPartitions     partitions of the event topics when this service creates them
 * @param eventLinger         how long the event producer waits to fill a batch (Kafka's linger.ms). Events are keyed by
 *                            unit over several partitions, so at Kafka's 5 ms default a batch held one or two events and
 *                            each batch's LZ4 stream set-up (two 64 KiB buffers) was a third of the producer's CPU;
 *                            250 ms rather than 50: up to five times fewer produce requests (fewer when a batch fills
 *                            first), each a round of thread wake-ups in the producer and the broker that competes with
 *                            the proxy's threads for the cores (splitter bench, 2 cores: sending events raised the
 *                            proxied p90 by 0.17-0.33 ms at 50 ms in 5 runs, by -0.03-0.20 ms at 250 ms-1 s in 6).
 *                            The wait only delays an event's arrival in Kafka, never a response
 * @param fastPath            serve the proxy routes of plain HTTP/1.1 connections from a lean Netty handler in front of
 *                            the framework's request pipeline (same port, same behaviour), and send non-streaming calls to
 *                            plain-http backends with Netty on the same event loop; false: the framework's route and the
 *                            JDK HTTP client for everything
 * @param maxResponseBytes    a non-streaming backend answer larger than this fails the request (502)
 */
@ConfigurationProperties("flywheel.splitter")
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public record SplitterConfig(
        @Bindable(defaultValue = "http://127.0.0.1:8000") URI defaultBackendUrl,
        @Bindable(defaultValue = "true") boolean captureContent,
        @Bindable(defaultValue = "false") boolean redactContent,
        @Bindable(defaultValue = "true") boolean fallbackToControl,
        @Bindable(defaultValue = "10000") int eventBuffer,
        @Bindable(defaultValue = "2s") Duration connectTimeout,
        @Bindable(defaultValue = "120s") Duration backendTimeout,
        @Bindable(defaultValue = "3s") Duration probeTimeout,
        @Bindable(defaultValue = "15s") Duration storeTimeout,
        @Bindable(defaultValue = "1048576") int maxRequestBytes,
        @Bindable(defaultValue = "6") int topicPartitions,
        @Bindable(defaultValue = "250ms") Duration eventLinger,
        @Bindable(defaultValue = "true") boolean fastPath,
        @Bindable(defaultValue = "33554432") int maxResponseBytes,
        @io.micronaut.core.annotation.Nullable String backendToken) {

    public SplitterConfig {
        if (defaultBackendUrl == null || !("http".equals(defaultBackendUrl.getScheme()) || "https".equals(defaultBackendUrl.getScheme()))) {
            throw new IllegalArgumentException("flywheel.splitter.default-backend-url must be an http(s) URL, got '" + defaultBackendUrl + "'");
        }
        positive("event-buffer", eventBuffer);
        positive("topic-partitions", topicPartitions);
        if (maxResponseBytes < 1024) {
            throw new IllegalArgumentException("flywheel.splitter.max-response-bytes must be >= 1024, got " + maxResponseBytes);
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("flywheel.splitter.max-request-bytes must be >= 1024, got " + maxRequestBytes);
        }
        positive("connect-timeout", connectTimeout);
        positive("backend-timeout", backendTimeout);
        positive("probe-timeout", probeTimeout);
        positive("store-timeout", storeTimeout);
        if (eventLinger == null || eventLinger.isNegative() || eventLinger.toMillis() > 5_000) {
            throw new IllegalArgumentException("flywheel.splitter.event-linger must be between 0 and 5s, got " + eventLinger);
        }
    }

    /** The defaults with another default backend, for plain (framework-free) use, tests and the benchmark. */
    public static SplitterConfig defaults(URI defaultBackendUrl) {
        return new SplitterConfig(defaultBackendUrl, true, false, true, 10_000, Duration.ofSeconds(2), Duration.ofSeconds(120),
                Duration.ofSeconds(3), Duration.ofSeconds(15), 1 << 20, 6, Duration.ofMillis(250), true, 32 << 20, null);
    }

    /** The bearer token sent to variant backends (e.g. the built-in engine's client token), if one is configured. */
    public java.util.Optional<String> backendAuthorization() {
        return backendToken == null || backendToken.isBlank() ? java.util.Optional.empty() : java.util.Optional.of("Bearer " + backendToken);
    }

    @Override
    public String toString() {
        return "SplitterConfig[defaultBackendUrl=" + defaultBackendUrl + ", backendToken=" + (backendToken == null ? "none" : "***") + "]";
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("flywheel.splitter." + key + " must be >= 1, got " + value);
        }
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("flywheel.splitter." + key + " must be a positive duration, got " + value);
        }
    }
}
