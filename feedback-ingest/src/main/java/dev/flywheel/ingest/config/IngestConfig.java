package dev.flywheel.ingest.config;

import dev.flywheel.ingest.batching.BatchBounds;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code flywheel.ingest.*}: the feedback endpoint and the Kafka → ClickHouse sink. Defaults live here (not in an
 * application.yml) because every service shares one classpath in the launcher. Invalid values fail start-up.
 *
 * @param sinkEnabled        run the consumer group (off for an API-only replica)
 * @param consumerGroup      Kafka consumer group id of the sink
 * @param consumerThreads    consumers in this replica (each its own KafkaConsumer; scale is bounded by partitions)
 * @param batchMaxRows       a table's batch is inserted once it holds this many rows
 * @param batchMaxBytes      ... or this many bytes of TSV
 * @param batchLinger        ... or once its oldest row has waited this long. Each insert is a new part that
 *                           ClickHouse merges later, so fewer, larger inserts cost it less CPU (README, Benchmarks)
 * @param maxEventBytes      larger events are rejected (413 on HTTP, DLQ in the sink)
 * @param maxBatchItems      most events one POST may carry
 * @param pollTimeout        how long one consumer poll waits for records
 * @param maxPollRecords     records one poll may return
 * @param produceTimeout     bound on a feedback POST waiting for Kafka (metadata + delivery), then 503
 * @param retryAfter         the Retry-After hint sent with a 503
 * @param insertTimeout      bound on one ClickHouse insert request
 * @param retryBackoffMin    first wait after a failed insert; doubles up to {@code retryBackoffMax}
 * @param retryBackoffMax    longest wait between insert retries
 * @param topicPartitions    partitions of the event topics when this service creates them
 * @param maxInFlightInserts flushes one consumer may have queued or running on its insert thread before it pauses
 * @param batchCaughtUpBytes when a poll finds nothing new, the batches are sealed before their linger once they hold
 *                           this many bytes together (see {@link BatchBounds})
 */
@ConfigurationProperties("flywheel.ingest")
@Requires(property = "flywheel.ingest.enabled", notEquals = "false")
public record IngestConfig(
        @Bindable(defaultValue = "true") boolean sinkEnabled,
        @Bindable(defaultValue = "flywheel-ingest") String consumerGroup,
        @Bindable(defaultValue = "2") int consumerThreads,
        @Bindable(defaultValue = "50000") int batchMaxRows,
        @Bindable(defaultValue = "33554432") long batchMaxBytes,
        @Bindable(defaultValue = "2s") Duration batchLinger,
        @Bindable(defaultValue = "1048576") int maxEventBytes,
        @Bindable(defaultValue = "1000") int maxBatchItems,
        @Bindable(defaultValue = "100ms") Duration pollTimeout,
        @Bindable(defaultValue = "20000") int maxPollRecords,
        @Bindable(defaultValue = "5s") Duration produceTimeout,
        @Bindable(defaultValue = "5s") Duration retryAfter,
        @Bindable(defaultValue = "60s") Duration insertTimeout,
        @Bindable(defaultValue = "100ms") Duration retryBackoffMin,
        @Bindable(defaultValue = "5s") Duration retryBackoffMax,
        @Bindable(defaultValue = "6") int topicPartitions,
        @Bindable(defaultValue = "2") int maxInFlightInserts,
        @Bindable(defaultValue = "1048576") long batchCaughtUpBytes) {

    public IngestConfig {
        if (consumerGroup == null || consumerGroup.isBlank()) {
            throw new IllegalArgumentException("flywheel.ingest.consumer-group must be a non-empty string");
        }
        positive("consumer-threads", consumerThreads);
        positive("max-batch-items", maxBatchItems);
        positive("max-poll-records", maxPollRecords);
        positive("topic-partitions", topicPartitions);
        positive("max-in-flight-inserts", maxInFlightInserts);
        if (maxEventBytes < 1024) {
            throw new IllegalArgumentException("flywheel.ingest.max-event-bytes must be >= 1024, got " + maxEventBytes);
        }
        positive("poll-timeout", pollTimeout);
        positive("produce-timeout", produceTimeout);
        positive("retry-after", retryAfter);
        positive("insert-timeout", insertTimeout);
        positive("retry-backoff-min", retryBackoffMin);
        if (retryBackoffMax == null || retryBackoffMax.compareTo(retryBackoffMin) < 0) {
            throw new IllegalArgumentException("flywheel.ingest.retry-backoff-max must be >= retry-backoff-min, got " + retryBackoffMax);
        }
        new BatchBounds(batchMaxRows, batchMaxBytes, batchLinger, batchCaughtUpBytes); // validates the batch settings
    }

    /** The defaults, for plain (framework-free) use and tests. */
    public static IngestConfig defaults() {
        return new IngestConfig(true, "flywheel-ingest", 2, 50_000, 32L << 20, Duration.ofSeconds(2), 1 << 20, 1000,
                Duration.ofMillis(100), 20_000, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofMillis(100), Duration.ofSeconds(5), 6, 2, BatchBounds.DEFAULT_CAUGHT_UP_BYTES);
    }

    public BatchBounds batchBounds() {
        return new BatchBounds(batchMaxRows, batchMaxBytes, batchLinger, batchCaughtUpBytes);
    }

    public IngestConfig withConsumerGroup(String group) {
        return new IngestConfig(sinkEnabled, group, consumerThreads, batchMaxRows, batchMaxBytes, batchLinger, maxEventBytes, maxBatchItems,
                pollTimeout, maxPollRecords, produceTimeout, retryAfter, insertTimeout, retryBackoffMin, retryBackoffMax, topicPartitions, maxInFlightInserts,
                batchCaughtUpBytes);
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("flywheel.ingest." + key + " must be >= 1, got " + value);
        }
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("flywheel.ingest." + key + " must be a positive duration, got " + value);
        }
    }
}
