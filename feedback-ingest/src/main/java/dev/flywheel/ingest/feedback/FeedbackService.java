package dev.flywheel.ingest.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.contracts.topics.Topic;
import dev.flywheel.ingest.metrics.IngestMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
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
import org.apache.kafka.common.errors.RetriableException;

/**
 * Accepts feedback: parses a JSON object or array, fills {@code event_id} (the body's, else the
 * {@code Idempotency-Key} header — suffixed {@code :index} in a batch — else a random UUID) and {@code ts} (the
 * clock) when absent, validates each event with the contract, produces the valid ones to the feedback topic keyed by
 * {@code request_id}, and returns only once Kafka acknowledged them (the producer runs with acks=all). Kafka not
 * answering within {@code produceTimeout} makes the affected events {@link ItemResult.Unavailable}. Framework-free.
 */
public final class FeedbackService {
    private static final int MAX_IDEMPOTENCY_KEY_CHARS = 200;

    private final Producer<byte[], byte[]> producer;
    private final Topic topic;
    private final EventCodec codec;
    private final Clock clock;
    private final EventIds ids;
    private final Duration produceTimeout;
    private final int maxBatchItems;
    private final IngestMetrics metrics;

    public FeedbackService(Producer<byte[], byte[]> producer, Topic topic, EventCodec codec, Clock clock, EventIds ids,
                           Duration produceTimeout, int maxBatchItems, IngestMetrics metrics) {
        this.producer = producer;
        this.topic = topic;
        this.codec = codec;
        this.clock = clock;
        this.ids = ids;
        this.produceTimeout = produceTimeout;
        this.maxBatchItems = maxBatchItems;
        this.metrics = metrics;
    }

    /** Handles one request body; {@code idempotencyKey} is the header's value or null. */
    public FeedbackResponse submit(byte[] body, String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_CHARS)) {
            return new FeedbackResponse.Invalid(400, "Idempotency-Key", "must be 1-" + MAX_IDEMPOTENCY_KEY_CHARS + " characters");
        }
        if (body == null || body.length == 0) {
            return new FeedbackResponse.Invalid(400, "$", "empty body: expected a feedback object or an array of them");
        }
        JsonNode root;
        try {
            root = codec.mapper().readTree(body);
        } catch (IOException e) {
            InvalidEventException iee = EventCodec.translate(e);
            return new FeedbackResponse.Invalid(400, iee.field(), iee.reason());
        }
        if (root != null && root.isObject()) {
            if (body.length > codec.maxEventBytes()) {
                return new FeedbackResponse.Invalid(413, "$", "event is " + body.length + " bytes, over the limit of " + codec.maxEventBytes());
            }
            return new FeedbackResponse.Single(process(List.of(root), idempotencyKey, false).getFirst());
        }
        if (root != null && root.isArray()) {
            if (root.isEmpty()) {
                return new FeedbackResponse.Invalid(400, "$", "empty batch: send at least one feedback object");
            }
            if (root.size() > maxBatchItems) {
                return new FeedbackResponse.Invalid(413, "$", "batch has " + root.size() + " events, over the limit of " + maxBatchItems);
            }
            List<JsonNode> items = new ArrayList<>(root.size());
            root.forEach(items::add);
            return new FeedbackResponse.Batch(process(items, idempotencyKey, true));
        }
        return new FeedbackResponse.Invalid(400, "$", "expected a feedback object or an array of them");
    }

    private List<ItemResult> process(List<JsonNode> items, String idempotencyKey, boolean batch) {
        ItemResult[] results = new ItemResult[items.size()];
        List<Integer> sentIndex = new ArrayList<>();
        List<String> sentIds = new ArrayList<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        long deadline = System.nanoTime() + produceTimeout.toNanos();
        for (int i = 0; i < items.size(); i++) {
            String prefix = batch ? "[" + i + "]." : "";
            FeedbackEvent event;
            try {
                event = prepare(items.get(i), idempotencyKey, batch, i);
            } catch (EventTooLargeException e) {
                results[i] = new ItemResult.Rejected(i, 413, batch ? "[" + i + "]" : "$", e.getMessage());
                continue;
            } catch (InvalidEventException e) {
                String field = "$".equals(e.field()) ? (batch ? "[" + i + "]" : "$") : prefix + e.field();
                results[i] = new ItemResult.Rejected(i, 400, field, e.reason());
                continue;
            }
            if (System.nanoTime() > deadline) {
                // Kafka already made us wait the whole budget (metadata): do not block once more per event.
                results[i] = new ItemResult.Unavailable(i, event.eventId(), "Kafka did not answer within " + produceTimeout.toMillis() + " ms");
                continue;
            }
            byte[] key = event.requestId().getBytes(StandardCharsets.UTF_8);
            try {
                acks.add(producer.send(new ProducerRecord<>(topic.name(), key, codec.encode(event))));
            } catch (RetriableException e) { // includes Kafka's TimeoutException (metadata not available)
                results[i] = new ItemResult.Unavailable(i, event.eventId(), "Kafka unavailable: " + e.getMessage());
                continue;
            }
            sentIndex.add(i);
            sentIds.add(event.eventId());
        }
        for (int k = 0; k < acks.size(); k++) {
            int i = sentIndex.get(k);
            results[i] = await(i, sentIds.get(k), acks.get(k), deadline);
        }
        count(results);
        return List.of(results);
    }

    private FeedbackEvent prepare(JsonNode node, String idempotencyKey, boolean batch, int index) {
        if (!(node instanceof ObjectNode object)) {
            throw new InvalidEventException("$", "expected a feedback object, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        JsonNode eventId = object.get("event_id");
        if (eventId == null || eventId.isNull()) {
            String id = idempotencyKey == null ? ids.next() : batch ? idempotencyKey + ":" + index : idempotencyKey;
            object.put("event_id", id);
        }
        JsonNode ts = object.get("ts");
        if (ts == null || ts.isNull()) {
            object.put("ts", clock.millis());
        }
        byte[] bytes;
        try {
            bytes = codec.mapper().writeValueAsBytes(object);
        } catch (IOException e) {
            throw EventCodec.translate(e);
        }
        if (bytes.length > codec.maxEventBytes()) {
            throw new EventTooLargeException(bytes.length, codec.maxEventBytes());
        }
        return codec.decode(bytes, FeedbackEvent.class); // checks every field
    }

    /** An event over the configured size limit (answered 413, never produced). */
    private static final class EventTooLargeException extends RuntimeException {
        EventTooLargeException(int bytes, int limit) {
            super("event is " + bytes + " bytes, over the limit of " + limit);
        }
    }

    private ItemResult await(int index, String eventId, Future<RecordMetadata> ack, long deadline) {
        try {
            // A little longer than the producer's own delivery timeout, which fails the future first.
            ack.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            return new ItemResult.Accepted(index, eventId);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RecordTooLargeException) {
                return new ItemResult.Rejected(index, 413, "$", "Kafka rejected the event as too large: " + cause.getMessage());
            }
            if (cause instanceof RetriableException) {
                return new ItemResult.Unavailable(index, eventId, "Kafka unavailable: " + cause.getMessage());
            }
            throw new FeedbackPublishException(eventId, cause);
        } catch (TimeoutException e) {
            return new ItemResult.Unavailable(index, eventId, "Kafka did not acknowledge within " + produceTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ItemResult.Unavailable(index, eventId, "interrupted while waiting for Kafka");
        }
    }

    private void count(ItemResult[] results) {
        int accepted = 0, rejected = 0, unavailable = 0;
        for (ItemResult r : results) {
            switch (r) {
                case ItemResult.Accepted a -> accepted++;
                case ItemResult.Rejected x -> rejected++;
                case ItemResult.Unavailable u -> unavailable++;
            }
        }
        metrics.feedback("accepted", accepted);
        metrics.feedback("rejected", rejected);
        metrics.feedback("unavailable", unavailable);
    }
}
