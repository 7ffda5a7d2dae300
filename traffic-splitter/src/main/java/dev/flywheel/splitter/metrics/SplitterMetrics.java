package dev.flywheel.splitter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The splitter's meters (Prometheus names in parentheses): proxied requests by route, experiment, variant and status
 * ({@code flywheel_splitter_requests_total}), each proxied request's duration by route and status, from its arrival until
 * the backend's answer was complete (a stream's last chunk), the backend and any fallback included
 * ({@code flywheel_splitter_request_duration_seconds}, with p50/p95/p99; the framework's {@code http_server_requests}
 * does not see the requests the lean Netty path answers), inference events sent and lost with the reason
 * ({@code flywheel_splitter_events_sent_total}, {@code flywheel_splitter_events_lost_total}), the buffer depth, and
 * the proxy requests answered by the lean Netty path rather than the framework's route
 * ({@code flywheel_splitter_fast_path_requests_total}).
 */
public final class SplitterMetrics {
    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> requestCounters = new ConcurrentHashMap<>();
    private final Counter eventsSent;
    private final Counter lostBufferFull;
    private final Counter lostKafka;
    /** By route, then status: two lookups per request and no key to build. */
    private final ConcurrentMap<String, ConcurrentMap<String, Timer>> durations = new ConcurrentHashMap<>();
    private final Counter fastPath;

    public SplitterMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.eventsSent = Counter.builder("flywheel.splitter.events.sent").description("inference events acknowledged by Kafka").register(registry);
        this.lostBufferFull = Counter.builder("flywheel.splitter.events.lost").tag("reason", "buffer_full")
                .description("inference events not recorded").register(registry);
        this.lostKafka = Counter.builder("flywheel.splitter.events.lost").tag("reason", "kafka_error")
                .description("inference events not recorded").register(registry);
        this.fastPath = Counter.builder("flywheel.splitter.fast.path.requests")
                .description("proxy requests answered by the lean Netty path").register(registry);
    }

    public void fastPathRequest() {
        fastPath.increment();
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void request(String route, String experiment, String variant, String status) {
        String key = route + '|' + experiment + '|' + variant + '|' + status;
        requestCounters.computeIfAbsent(key, k -> Counter.builder("flywheel.splitter.requests")
                .tag("route", route).tag("experiment", experiment).tag("variant", variant).tag("status", status)
                .register(registry)).increment();
    }

    /**
     * A proxied request's duration ({@code nanos}) under its route and event status (ok, fallback, error), as a
     * histogram ({@code _bucket} series, 1 ms to 5 min): quantiles come from
     * {@code histogram_quantile(0.99, sum by (le) (rate(flywheel_splitter_request_duration_seconds_bucket[5m])))},
     * over every replica. Until 2026-12-06 the timer published client-side p50/p95/p99, which cannot be combined across
     * replicas and cost more per request: three rotating HdrHistograms, whose rotation every 40 s sent the compiled
     * proxy path to an uncommon trap and a recompile (seen in the splitter bench's measured rounds).
     */
    public void requestDuration(String route, String status, long nanos) {
        durations.computeIfAbsent(route, r -> new ConcurrentHashMap<>()).computeIfAbsent(status, k -> Timer.builder("flywheel.splitter.request.duration")
                .description("a proxied request from its arrival until the backend's answer was complete, fallback included")
                .tag("route", route).tag("status", status).publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void eventSent() {
        eventsSent.increment();
    }

    public void eventLostBufferFull() {
        lostBufferFull.increment();
    }

    public void eventLostKafka() {
        lostKafka.increment();
    }

    public double eventsLost() {
        return lostBufferFull.count() + lostKafka.count();
    }

    public double eventsSent() {
        return eventsSent.count();
    }

    /** Registers a gauge of the event buffer depth. */
    public void bufferDepth(Supplier<Number> depth) {
        io.micrometer.core.instrument.Gauge.builder("flywheel.splitter.events.buffered", depth).register(registry);
    }
}
