package dev.flywheel.ingest.sink;

import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.ingest.batching.RowBuffer;
import dev.flywheel.ingest.batching.TableBatch;
import dev.flywheel.ingest.dlq.DeadLetterException;
import dev.flywheel.ingest.dlq.DeadLetterPublisher;
import dev.flywheel.ingest.metrics.IngestMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink consumer: polls the routed topics, turns records into rows per table, inserts a table's rows when a batch
 * bound is reached, and commits offsets only after every buffered row was acknowledged by ClickHouse and every
 * rejected record by its DLQ. So a crash or rebalance can only re-deliver rows that may already be stored, never
 * lose one; the event tables are ReplacingMergeTree on event_id and are read with FINAL (or per event_id), which
 * makes those re-deliveries invisible to queries.
 *
 * <p>Backpressure: a failed insert pauses every assigned partition (poll keeps the group membership but returns no
 * records, so memory stays at one batch), waits with exponential backoff, retries the same rows, and resumes once
 * everything is acknowledged. Records that can never be stored go to the DLQ; the loop never stops for them.
 *
 * <p>Runs on one thread ({@link #run}); {@link #stop} may be called from any thread. Owns (and closes) its consumer
 * and DLQ publisher.
 */
public final class SinkLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkLoop.class);
    private static final long DLQ_ACK_TIMEOUT_MS = 10_000;

    private final Consumer<byte[], byte[]> consumer;
    private final SinkRoutes routes;
    private final TableWriter writer;
    private final DeadLetterPublisher deadLetters;
    private final IngestMetrics metrics;
    private final InsertObserver observer;
    private final BatchBounds bounds;
    private final Backoff backoff;
    private final Duration pollTimeout;
    private final Clock clock;

    private final Map<String, TableBatch> batches = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> uncommitted = new HashMap<>();
    /** Partitions whose uncommitted records were dropped; if they come back they must restart from the commit. */
    private final java.util.Set<TopicPartition> rewind = new java.util.HashSet<>();
    private volatile boolean running = true;
    private boolean closing;
    private volatile SinkStatus status = SinkStatus.STARTING;
    private boolean paused;
    private int failures;
    private long retryAtMillis;
    private long lastCommitMillis;
    private long lastLagMillis;
    private long commits;
    private String lastError = "";

    public SinkLoop(Consumer<byte[], byte[]> consumer, SinkRoutes routes, TableWriter writer, DeadLetterPublisher deadLetters,
                    IngestMetrics metrics, InsertObserver observer, BatchBounds bounds, Backoff backoff, Duration pollTimeout,
                    Clock clock) {
        this.consumer = consumer;
        this.routes = routes;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.observer = observer;
        this.bounds = bounds;
        this.backoff = backoff;
        this.pollTimeout = pollTimeout;
        this.clock = clock;
        for (SinkRoutes.Route r : routes.all()) {
            batches.putIfAbsent(r.encoder().table(), new TableBatch(r.encoder().table()));
        }
    }

    public SinkStatus status() {
        return status;
    }

    /** Asks the loop to flush what it holds (one attempt), commit, and return. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        lastCommitMillis = clock.millis();
        consumer.subscribe(routes.topicNames(), new Rebalance());
        try {
            while (running) {
                if (paused) {
                    consumer.pause(consumer.assignment()); // partitions assigned by a rebalance while paused
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                    break;
                }
                long now = clock.millis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    accept(r, now);
                }
                reportLag(now);
                if (flushDue(now)) {
                    flush(now);
                }
                publishStatus();
            }
            if (retryAtMillis == 0 || clock.millis() >= retryAtMillis) {
                flush(clock.millis()); // graceful stop: one last attempt; what fails is re-read by the next owner
            }
        } finally {
            closing = true; // a crash must not flush from the revoke callback that close() triggers
            publishStatus();
            try {
                consumer.close(Duration.ofSeconds(10));
            } finally {
                deadLetters.close();
            }
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r, long now) {
        SinkRoutes.Route route = routes.of(r.topic());
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        uncommitted.put(tp, r.offset() + 1);
        if (r.value() == null) {
            if (route.topic().compacted()) {
                metrics.tombstone(r.topic()); // a deletion in a compacted state topic: no history row to write
            } else {
                deadLetters.reject(route.topic(), r.partition(), r.offset(), r.key(), null, "$", "null value (tombstone) on an event topic");
            }
            return;
        }
        TableBatch batch = batches.get(route.encoder().table());
        RowBuffer buffer = batch.bufferFor(tp);
        int mark = buffer.size();
        try {
            long eventTs = route.encoder().append(r.key(), r.value(), r.timestamp(), buffer);
            buffer.endRow(eventTs);
            batch.rowAdded(buffer.size() - mark, now);
        } catch (InvalidEventException e) {
            buffer.truncate(mark);
            deadLetters.reject(route.topic(), r.partition(), r.offset(), r.key(), r.value(), e.field(), e.reason());
        } catch (RuntimeException e) {
            // Not a contract violation we know of, but still this record's fault: it must not stop the pipeline.
            buffer.truncate(mark);
            LOG.warn("record {}-{}@{} could not be encoded; sending it to the DLQ", r.topic(), r.partition(), r.offset(), e);
            deadLetters.reject(route.topic(), r.partition(), r.offset(), r.key(), r.value(), "$", "unexpected: " + e);
        }
    }

    private boolean flushDue(long now) {
        if (retryAtMillis > 0) {
            return now >= retryAtMillis;
        }
        for (TableBatch b : batches.values()) {
            if (b.due(bounds, now)) {
                return true;
            }
        }
        // Offsets of records that made no row (DLQ, tombstones) are committed on the linger cadence too.
        return !uncommitted.isEmpty() && now - lastCommitMillis >= bounds.linger().toMillis();
    }

    /** Inserts every non-empty batch, then commits; on any failure keeps what is left, pauses and schedules a retry. */
    private boolean flush(long now) {
        for (TableBatch b : batches.values()) {
            if (b.rows() == 0) {
                continue;
            }
            long start = System.nanoTime();
            try {
                writer.insert(b.table(), routes.columnsOf(b.table()), b.rows(), b.body());
            } catch (InsertException e) {
                metrics.insertFailed(b.table(), Duration.ofNanos(System.nanoTime() - start));
                return failed(now, e.getMessage(), e);
            }
            Duration latency = Duration.ofNanos(System.nanoTime() - start);
            long ack = clock.millis();
            metrics.inserted(b.table(), b.rows(), b.bytes(), latency);
            long[] times = b.eventTimes();
            metrics.visibleDelay(b.table(), times, ack);
            observer.inserted(b.table(), times, ack);
            b.clear(); // only now: the rows are in ClickHouse
        }
        try {
            deadLetters.awaitAcknowledged(DLQ_ACK_TIMEOUT_MS);
        } catch (DeadLetterException e) {
            return failed(now, e.getMessage(), e);
        }
        if (!uncommitted.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            uncommitted.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
            try {
                consumer.commitSync(offsets);
                commits++;
            } catch (CommitFailedException | RebalanceInProgressException e) {
                // The group moved on: these partitions belong to another consumer, which re-reads from the last
                // commit; the rows we inserted collapse by event_id. Nothing is lost.
                LOG.info("offset commit skipped after a rebalance: {}", e.getMessage());
            } catch (RetriableException e) {
                return failed(now, "offset commit failed: " + e.getMessage(), e);
            } catch (KafkaException e) {
                return failed(now, "offset commit failed: " + e.getMessage(), e);
            }
            uncommitted.clear();
        }
        lastCommitMillis = now;
        if (paused) {
            consumer.resume(consumer.assignment());
            paused = false;
            LOG.info("sink resumed after {} failed attempts", failures);
        }
        failures = 0;
        retryAtMillis = 0;
        lastError = "";
        return true;
    }

    private boolean failed(long now, String message, Exception cause) {
        failures++;
        long delay = backoff.delayMillis(failures);
        retryAtMillis = now + delay;
        lastError = message;
        if (!paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        }
        if (failures == 1 || failures % 10 == 0) {
            LOG.warn("sink paused (attempt {}), retrying in {} ms: {}", failures, delay, message, failures == 1 ? cause : null);
        }
        return false;
    }

    private void reportLag(long now) {
        if (now - lastLagMillis < 1000) {
            return;
        }
        lastLagMillis = now;
        Map<String, Long> perTopic = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            consumer.currentLag(tp).ifPresent(l -> perTopic.merge(tp.topic(), l, Long::sum));
        }
        perTopic.forEach(metrics::lag);
    }

    private void publishStatus() {
        int rows = 0;
        long bytes = 0;
        for (TableBatch b : batches.values()) {
            rows += b.rows();
            bytes += b.bytes();
        }
        status = new SinkStatus(paused, rows, bytes, commits, failures, lastError);
    }

    private void dropPartitions(Collection<TopicPartition> partitions) {
        for (TableBatch b : batches.values()) {
            b.drop(partitions);
        }
        for (TopicPartition tp : partitions) {
            if (uncommitted.remove(tp) != null) {
                rewind.add(tp);
            }
            deadLetters.forget(tp.topic(), tp.partition());
        }
    }

    /** Commits what it can before partitions go; what could not be committed is dropped and re-read by the new owner. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty() && retryAtMillis == 0 && running && !closing) {
                flush(clock.millis());
            }
            dropPartitions(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // A partition we dropped rows of may come straight back to us (eager rebalance) with the consumer's
            // position past those rows: rewind it to the committed offset so nothing is skipped.
            java.util.Set<TopicPartition> back = new java.util.HashSet<>(partitions);
            back.retainAll(rewind);
            rewind.removeAll(partitions);
            if (!back.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(back);
                for (TopicPartition tp : back) {
                    OffsetAndMetadata c = committed.get(tp);
                    if (c == null) {
                        consumer.seekToBeginning(java.util.List.of(tp));
                    } else {
                        consumer.seek(tp, c);
                    }
                }
            }
            if (paused) {
                consumer.pause(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropPartitions(partitions);
        }
    }
}
