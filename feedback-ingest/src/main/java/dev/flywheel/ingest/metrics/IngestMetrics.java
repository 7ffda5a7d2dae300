package dev.flywheel.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest service's meters (Prometheus names in brackets):
 * rows written per table [ingest_rows_total{table}] (rows/s = rate), batch rows and bytes per insert
 * [ingest_batch_rows, ingest_batch_bytes], insert latency [ingest_insert_seconds{table,outcome}], produce-to-visible
 * delay [ingest_visible_delay_seconds{table}], consumer lag in records per topic [ingest_consumer_lag{topic}],
 * dead letters [ingest_dlq_total{topic,field}], tombstones skipped [ingest_tombstones_total{topic}], feedback
 * requests [ingest_feedback_events_total{outcome}].
 */
public final class IngestMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void inserted(String table, int rows, long bytes, Duration latency) {
        Counter.builder("ingest.rows").tag("table", table).description("rows acknowledged by ClickHouse").register(registry).increment(rows);
        DistributionSummary.builder("ingest.batch.rows").tag("table", table).register(registry).record(rows);
        DistributionSummary.builder("ingest.batch.bytes").tag("table", table).baseUnit("bytes").register(registry).record(bytes);
        Timer.builder("ingest.insert").tag("table", table).tag("outcome", "ok").publishPercentileHistogram().register(registry).record(latency);
    }

    public void insertFailed(String table, Duration latency) {
        Timer.builder("ingest.insert").tag("table", table).tag("outcome", "failed").register(registry).record(latency);
    }

    public void visibleDelay(String table, long[] eventTimesMs, long ackMillis) {
        Timer t = Timer.builder("ingest.visible.delay").tag("table", table)
                .description("event time to visible in ClickHouse").register(registry);
        for (long ts : eventTimesMs) {
            t.record(Duration.ofMillis(Math.max(0, ackMillis - ts)));
        }
    }

    /** Sets the consumer lag (records between this consumer's position and the log end) of one topic. */
    public void lag(String topic, long records) {
        lag.computeIfAbsent(topic, t -> {
            AtomicLong v = new AtomicLong();
            registry.gauge("ingest.consumer.lag", io.micrometer.core.instrument.Tags.of("topic", t), v, AtomicLong::doubleValue);
            return v;
        }).set(records);
    }

    public void deadLettered(String topic, String field) {
        // Only the top-level field, so that attribute keys cannot blow up the tag's cardinality.
        String top = field == null ? "$" : field.replaceAll("[.\\[].*", "");
        Counter.builder("ingest.dlq").tag("topic", topic).tag("field", top).register(registry).increment();
    }

    public void tombstone(String topic) {
        Counter.builder("ingest.tombstones").tag("topic", topic).register(registry).increment();
    }

    public void feedback(String outcome, int events) {
        Counter.builder("ingest.feedback.events").tag("outcome", outcome).register(registry).increment(events);
    }

    public double count(String name, String tagKey, String tagValue) {
        Counter c = registry.find(name).tag(tagKey, tagValue).counter();
        return c == null ? 0 : c.count();
    }
}
