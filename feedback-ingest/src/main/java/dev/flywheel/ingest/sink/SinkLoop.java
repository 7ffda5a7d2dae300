package dev.flywheel.ingest.sink;

import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.ingest.batching.BatchBounds;
import dev.flywheel.ingest.batching.RowBuffer;
import dev.flywheel.ingest.batching.RowBufferPool;
import dev.flywheel.ingest.batching.TableBatch;
import dev.flywheel.ingest.dlq.DeadLetterException;
import dev.flywheel.ingest.dlq.DeadLetterPublisher;
import dev.flywheel.ingest.metrics.IngestMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink consumer: polls the routed topics, turns records into rows per table, and when a batch bound is reached
 * seals every table's rows into one flush handed to its {@link InsertPipeline} (inserts run on their own thread,
 * in order, at most {@code maxInFlight} flushes at once) while it goes on polling. It commits a flush's offsets only
 * after ClickHouse acknowledged that flush and every flush before it, and every rejected record reached its DLQ. So a crash or rebalance can only re-deliver rows that may already be stored, never
 * lose one; the event tables are ReplacingMergeTree on event_id and are read with FINAL (or per event_id), which
 * makes those re-deliveries invisible to queries.
 *
 * <p>Backpressure: when {@code maxInFlight} flushes are outstanding the partitions are paused until the oldest is
 * acknowledged. A failed insert aborts every later flush, drops what is buffered, pauses every assigned partition
 * (poll keeps the group membership but returns no records), waits with exponential backoff, then rewinds each
 * partition to the offset after its last acknowledged flush (or the group's commit) and resumes: the same rows are
 * read and inserted again. Memory stays at {@code maxInFlight + 1} batches plus one poll. Records that can never be
 * stored go to the DLQ; the loop never stops for them.
 *
 * <p>Runs on one thread ({@link #run}); {@link #stop} may be called from any thread. Owns (and closes) its consumer
 * and DLQ publisher.
 */
public final class SinkLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkLoop.class);
    private static final long DLQ_ACK_TIMEOUT_MS = 10_000;
    private static final Duration REVOKE_WAIT = Duration.ofSeconds(60);

    private final Consumer<byte[], byte[]> consumer;
    private final SinkRoutes routes;
    private final DeadLetterPublisher deadLetters;
    private final IngestMetrics metrics;
    private final BatchBounds bounds;
    private final Backoff backoff;
    private final Duration pollTimeout;
    private final Clock clock;
    private final InsertPipeline pipeline;

    private Map<String, TableBatch> batches;
    /** Per table: the buffers of acknowledged batches, for the next ones (consumer thread only). */
    private final Map<String, RowBufferPool> pools = new HashMap<>();
    /** Spare capacity each pool keeps: what maxInFlight + 1 batches hold at most. */
    private final long spareBytes;
    /** Next offset of every partition read since the last seal (rows, DLQ'd records and tombstones alike). */
    private final Map<TopicPartition, Long> uncommitted = new HashMap<>();
    /** Offsets covered by acknowledged flushes and not yet committed. */
    private final Map<TopicPartition, Long> toCommit = new HashMap<>();
    /** Next offset after the last acknowledged flush, per partition: where a rewind restarts. */
    private final Map<TopicPartition, Long> acked = new HashMap<>();
    /** Partitions whose uncommitted records were dropped; if they come back they must restart from the commit. */
    private final Set<TopicPartition> rewind = new HashSet<>();
    private volatile boolean running = true;
    private boolean closing;
    private volatile SinkStatus status = SinkStatus.STARTING;
    private boolean paused;        // after a failure: waiting for the backoff, then rewind
    private boolean throttled;     // maxInFlight flushes outstanding: partitions paused until one is acknowledged
    private int failures;
    private long retryAtMillis;
    private long lastSealMillis;
    private long lastLagMillis;
    private long commits;
    private String lastError = "";

    public SinkLoop(Consumer<byte[], byte[]> consumer, SinkRoutes routes, TableWriter writer, DeadLetterPublisher deadLetters,
                    IngestMetrics metrics, InsertObserver observer, BatchBounds bounds, int maxInFlight, Backoff backoff,
                    Duration pollTimeout, Clock clock) {
        this.consumer = consumer;
        this.routes = routes;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.bounds = bounds;
        this.backoff = backoff;
        this.pollTimeout = pollTimeout;
        this.clock = clock;
        this.spareBytes = (long) bounds.maxBytes() * (maxInFlight + 1);
        this.pipeline = new InsertPipeline(writer, routes, metrics, observer, clock, maxInFlight,
                "flywheel-ingest-insert-" + Integer.toHexString(System.identityHashCode(this)));
        batches = freshBatches();
    }

    private Map<String, TableBatch> freshBatches() {
        Map<String, TableBatch> m = new LinkedHashMap<>();
        for (SinkRoutes.Route r : routes.all()) {
            String table = r.encoder().table();
            // Sized like the previous batch (+1/8), capped at the byte bound: no doubling copies while filling it.
            TableBatch previous = batches == null ? null : batches.get(table);
            long hint = previous == null ? 0 : Math.min(bounds.maxBytes(), previous.largestChunk() + (previous.largestChunk() >> 3));
            m.putIfAbsent(table, new TableBatch(table, (int) Math.min(hint, 64 << 20), pools.computeIfAbsent(table, t -> new RowBufferPool(spareBytes))));
        }
        return m;
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
        lastSealMillis = clock.millis();
        consumer.subscribe(routes.topicNames(), new Rebalance());
        try {
            while (running) {
                if (paused || throttled) {
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
                // Nothing new while reading (not while paused): the partitions are read to their end.
                step(now, records.isEmpty() && !paused && !throttled);
                publishStatus();
            }
            if (!paused) {
                // graceful stop: one last attempt; what fails is re-read by the next owner
                seal(clock.millis());
                drainAll(REVOKE_WAIT);
            }
        } finally {
            closing = true; // a crash must not flush from the revoke callback that close() triggers
            publishStatus();
            try {
                pipeline.close();
                consumer.close(Duration.ofSeconds(10));
            } finally {
                deadLetters.close();
            }
        }
    }

    /**
     * One turn after a poll: collect acknowledgements, commit, seal a due batch, retry after a failure.
     *
     * @param caughtUp the poll, while reading, returned nothing: no more rows to wait for
     */
    private void step(long now, boolean caughtUp) {
        drainCompleted();
        commit();
        reportLag(now);
        if (paused) {
            if (now >= retryAtMillis && pipeline.quiet()) {
                resumeFromAcked(now);
            }
            return;
        }
        if (sealDue(now, caughtUp)) {
            if (pipeline.full()) {
                if (!throttled) {
                    consumer.pause(consumer.assignment());
                    throttled = true;
                }
                pipeline.awaitHead(pollTimeout);
                drainCompleted();
                commit();
            }
            if (!pipeline.full() && !paused) {
                seal(now);
            }
        }
        if (throttled && !pipeline.full() && !paused) {
            consumer.resume(consumer.assignment());
            throttled = false;
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> r, long now) {
        SinkRoutes.Route route = routes.of(r.topic());
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        uncommitted.put(tp, r.offset() + 1);
        if (r.value() == null) {
            if (route.topic().state()) {
                metrics.tombstone(r.topic()); // a deletion in a state topic: no history row to write
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
            buffer.endRow(eventTs, r.offset());
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

    private boolean sealDue(long now, boolean caughtUp) {
        long buffered = 0;
        for (TableBatch b : batches.values()) {
            if (b.due(bounds, now)) {
                return true;
            }
            buffered += b.bytes();
        }
        if (caughtUp && bounds.dueWhenCaughtUp(buffered)) {
            return true;
        }
        // Offsets of records that made no row (DLQ, tombstones) are committed on the linger cadence too.
        return !uncommitted.isEmpty() && now - lastSealMillis >= bounds.linger().toMillis();
    }

    /** Hands every table's rows and the offsets they cover to the insert thread, and starts fresh batches. */
    private void seal(long now) {
        lastSealMillis = now;
        if (uncommitted.isEmpty()) {
            return;
        }
        List<TableBatch> full = new ArrayList<>();
        int rows = 0;
        long bytes = 0;
        for (TableBatch b : batches.values()) {
            if (b.rows() > 0) {
                full.add(b);
                rows += b.rows();
                bytes += b.bytes();
            }
        }
        pipeline.submit(new InsertPipeline.Flush(full, Map.copyOf(uncommitted), rows, bytes));
        uncommitted.clear();
        if (!full.isEmpty()) {
            batches = freshBatches();
        }
    }

    /** Takes finished flushes in order: acknowledged ones join the next commit, the first failure rewinds. */
    private void drainCompleted() {
        InsertPipeline.InFlight done;
        while ((done = pipeline.pollCompleted()) != null) {
            Throwable failure = InsertPipeline.failureOf(done);
            if (failure == null) {
                for (InsertPipeline.Refused r : done.refused()) {
                    // Dead-lettered before the offsets join a commit (commit() waits for the DLQ's acknowledgement).
                    TableBatch.Row row = r.row();
                    deadLetters.reject(routes.of(row.partition().topic()).topic(), row.partition().partition(), row.offset(), null,
                            row.bytes(), "$", "ClickHouse refused this row of " + r.table() + " (the value is the row as sent,"
                                    + " TabSeparated): " + r.reason());
                }
                toCommit.putAll(done.flush().offsets());
                acked.putAll(done.flush().offsets());
                done.flush().batches().forEach(TableBatch::recycle); // acknowledged, refused rows copied out above
                continue;
            }
            if (failure instanceof InsertException e) {
                failed(clock.millis(), e.getMessage(), e);
                return;
            }
            if (failure instanceof RuntimeException e) {
                throw e; // a bug or a crash: the runner replaces this consumer, which re-reads from the commit
            }
            if (failure instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("insert failed", failure);
        }
    }

    /** Waits (bounded) for every outstanding flush and takes their outcomes. */
    private void drainAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pipeline.isEmpty() && !paused && System.nanoTime() < deadline) {
            pipeline.awaitHead(Duration.ofMillis(200));
            drainCompleted();
        }
        commit();
    }

    /** Commits the acknowledged offsets once their DLQ records are acknowledged too; a failed commit is retried later. */
    private void commit() {
        if (toCommit.isEmpty()) {
            return;
        }
        try {
            deadLetters.awaitAcknowledged(DLQ_ACK_TIMEOUT_MS);
        } catch (DeadLetterException e) {
            lastError = e.getMessage();
            LOG.warn("offset commit waits for the DLQ: {}", e.getMessage());
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        toCommit.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
        try {
            consumer.commitSync(offsets);
            commits++;
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The group moved on: these partitions belong to another consumer, which re-reads from the last
            // commit; the rows we inserted collapse by event_id. Nothing is lost.
            LOG.info("offset commit skipped after a rebalance: {}", e.getMessage());
        } catch (KafkaException e) {
            lastError = "offset commit failed: " + e.getMessage();
            LOG.warn("offset commit failed, retried with the next one: {}", e.getMessage());
            return; // kept: committed with the next acknowledged flush
        }
        toCommit.clear();
        if (!paused) {
            failures = 0;
            lastError = "";
        }
    }

    /** A flush failed: abort the later ones, drop what is buffered, pause, and rewind after the backoff. */
    private void failed(long now, String message, Exception cause) {
        failures++;
        long delay = backoff.delayMillis(failures);
        retryAtMillis = now + delay;
        lastError = message;
        pipeline.abort();
        batches = freshBatches();
        uncommitted.clear();
        if (!paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        }
        if (failures == 1 || failures % 10 == 0) {
            LOG.warn("sink paused (attempt {}), retrying in {} ms: {}", failures, delay, message, failures == 1 ? cause : null);
        }
    }

    /** After the backoff: every assigned partition restarts after its last acknowledged flush (or the commit). */
    private void resumeFromAcked(long now) {
        Set<TopicPartition> assigned = consumer.assignment();
        try {
            Set<TopicPartition> unknown = new HashSet<>();
            for (TopicPartition tp : assigned) {
                Long next = acked.get(tp);
                if (next == null) {
                    unknown.add(tp);
                } else {
                    consumer.seek(tp, next);
                }
            }
            seekToCommitted(unknown);
        } catch (KafkaException e) {
            failed(now, "rewind failed: " + e.getMessage(), e);
            return;
        }
        consumer.resume(assigned);
        paused = false;
        throttled = false;
        retryAtMillis = 0;
        lastSealMillis = now;
        LOG.info("sink resumed after {} failed attempts", failures);
    }

    private void seekToCommitted(Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            if (c == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, c);
            }
        }
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
        int rows = pipeline.rows();
        long bytes = pipeline.bytes();
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
            boolean uncommittedRows = uncommitted.remove(tp) != null;
            boolean ackedNotCommitted = toCommit.remove(tp) != null;
            acked.remove(tp);
            if (uncommittedRows || ackedNotCommitted) {
                rewind.add(tp); // if it comes back, restart from the group's commit
            }
            deadLetters.forget(tp.topic(), tp.partition());
        }
    }

    /** Flushes and commits what it can before partitions go; the rest is dropped and re-read by the new owner. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty() && !paused && running && !closing) {
                seal(clock.millis());
                drainAll(REVOKE_WAIT);
            }
            if (!pipeline.isEmpty()) {
                // Still outstanding (a slow ClickHouse): their offsets are never committed; re-read after a rewind.
                failed(clock.millis(), "rebalance while inserts were outstanding", new IllegalStateException("revoked"));
            }
            dropPartitions(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // A partition we dropped rows of may come straight back to us (eager rebalance) with the consumer's
            // position past those rows: rewind it to the committed offset so nothing is skipped.
            Set<TopicPartition> back = new HashSet<>(partitions);
            back.retainAll(rewind);
            rewind.removeAll(partitions);
            seekToCommitted(back);
            if (paused || throttled) {
                consumer.pause(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (!pipeline.isEmpty()) {
                failed(clock.millis(), "partitions lost while inserts were outstanding", new IllegalStateException("lost"));
            }
            dropPartitions(partitions);
        }
    }
}
