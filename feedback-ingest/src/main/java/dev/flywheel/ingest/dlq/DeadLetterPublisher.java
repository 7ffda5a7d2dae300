package dev.flywheel.ingest.dlq;

import dev.flywheel.contracts.topics.DeadLetters;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.ingest.metrics.IngestMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Sends rejected records to their topic's DLQ ({@link DeadLetters#record}: raw bytes, reason and source in headers)
 * and counts them. Sends are asynchronous; {@link #awaitAcknowledged} must succeed before the source offsets are
 * committed, so that a rejected record is never lost between the topic and its DLQ. A failed send is kept and sent
 * again on the next call.
 */
public final class DeadLetterPublisher implements AutoCloseable {
    private static final int TRUNCATED_BYTES = 512 * 1024;

    private final Producer<byte[], byte[]> producer;
    private final IngestMetrics metrics;
    private final List<Pending> pending = new ArrayList<>();

    private record Pending(ProducerRecord<byte[], byte[]> record, Future<RecordMetadata> ack) {}

    public DeadLetterPublisher(Producer<byte[], byte[]> producer, IngestMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
    }

    /** Queues one rejected record; {@code field} is the JSON field at fault ("$" for the whole record). */
    public void reject(Topic source, int partition, long offset, byte[] key, byte[] value, String field, String reason) {
        ProducerRecord<byte[], byte[]> record = DeadLetters.record(source, partition, offset, key, value, field, reason);
        pending.add(new Pending(record, producer.send(record)));
        metrics.deadLettered(source.name(), field);
    }

    public int pending() {
        return pending.size();
    }

    /**
     * Waits until every queued record is on its DLQ.
     *
     * @throws DeadLetterException when Kafka did not acknowledge within {@code timeoutMillis}; the records stay
     *                             queued (and are re-sent) so the caller must not commit the source offsets
     */
    public void awaitAcknowledged(long timeoutMillis) throws DeadLetterException {
        if (pending.isEmpty()) {
            return;
        }
        producer.flush();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Pending> failed = new ArrayList<>();
        Exception firstError = null;
        for (Pending p : pending) {
            try {
                p.ack().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                failed.add(p);
                firstError = firstError == null ? e : firstError;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeadLetterException(pending.size(), e);
            }
        }
        pending.clear();
        if (!failed.isEmpty()) {
            for (Pending p : failed) {
                ProducerRecord<byte[], byte[]> again = tooLarge(p) ? truncated(p.record()) : p.record();
                pending.add(new Pending(again, producer.send(again)));
            }
            throw new DeadLetterException(failed.size(), firstError);
        }
    }

    private static boolean tooLarge(Pending p) {
        try {
            p.ack().get(0, TimeUnit.NANOSECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof RecordTooLargeException;
        } catch (InterruptedException | TimeoutException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /**
     * A record too large even for the DLQ (the broker's limit) keeps its first {@link #TRUNCATED_BYTES} bytes and says
     * so in the reason, rather than blocking the pipeline forever.
     */
    private static ProducerRecord<byte[], byte[]> truncated(ProducerRecord<byte[], byte[]> r) {
        byte[] value = r.value();
        if (value == null || value.length <= TRUNCATED_BYTES) {
            return r;
        }
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders(r.headers().toArray());
        String reason = header(r, DeadLetters.REASON) + " (value truncated for the DLQ to " + TRUNCATED_BYTES + " of " + value.length + " bytes)";
        headers.remove(DeadLetters.REASON);
        headers.add(DeadLetters.REASON, reason.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new ProducerRecord<>(r.topic(), null, r.key(), java.util.Arrays.copyOf(value, TRUNCATED_BYTES), headers);
    }

    /** Drops queued records of a source partition this consumer no longer owns (the new owner rejects them again). */
    public void forget(String sourceTopic, int partition) {
        pending.removeIf(p -> sourceTopic.equals(header(p.record(), DeadLetters.SOURCE_TOPIC))
                && Integer.toString(partition).equals(header(p.record(), DeadLetters.SOURCE_PARTITION)));
    }

    /** Closes the producer (waiting up to 10 s for in-flight sends). */
    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
