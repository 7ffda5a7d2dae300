package dev.flywheel.ingest.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.FeedbackKind;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.ingest.metrics.IngestMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeedbackServiceTest {
    private static final long NOW = 1_760_000_000_123L;
    private final EventCodec codec = new EventCodec();
    private MockProducer<byte[], byte[]> producer;
    private FeedbackService service;

    @BeforeEach
    void setUp() {
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        service = new FeedbackService(producer, Topics.standard().feedback(), codec, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
                new EventIds(new SplittableRandom(7)), Duration.ofSeconds(2), 10, new IngestMetrics(new SimpleMeterRegistry()));
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void singleFeedbackGetsAGeneratedIdAndTheClocksTimeAndIsKeyedByRequestId() {
        var response = service.submit(json("{\"request_id\":\"req-1\",\"kind\":\"thumbs\",\"value\":1}"), null);
        var accepted = assertInstanceOf(ItemResult.Accepted.class, assertInstanceOf(FeedbackResponse.Single.class, response).result());
        assertEquals(1, producer.history().size());
        var record = producer.history().getFirst();
        assertEquals("llm.feedback.v1", record.topic());
        assertEquals("req-1", new String(record.key(), StandardCharsets.UTF_8));
        FeedbackEvent sent = codec.decode(record.value(), FeedbackEvent.class);
        assertEquals(accepted.eventId(), sent.eventId());
        assertEquals(NOW, sent.ts());
        assertEquals(FeedbackKind.THUMBS, sent.kind());
        assertTrue(sent.eventId().matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), sent.eventId());
    }

    @Test
    void idempotencyKeyHeaderBecomesTheEventIdAndABodyIdWins() {
        var r1 = (FeedbackResponse.Single) service.submit(json("{\"request_id\":\"r\",\"kind\":\"rating\",\"value\":4}"), "key-123");
        assertEquals("key-123", ((ItemResult.Accepted) r1.result()).eventId());
        var r2 = (FeedbackResponse.Single) service.submit(json("{\"event_id\":\"mine\",\"request_id\":\"r\",\"kind\":\"rating\",\"value\":4}"), "key-123");
        assertEquals("mine", ((ItemResult.Accepted) r2.result()).eventId());
        var batch = (FeedbackResponse.Batch) service.submit(json("[{\"request_id\":\"a\",\"kind\":\"conversion\",\"value\":0},"
                + "{\"request_id\":\"b\",\"kind\":\"conversion\",\"value\":1}]"), "k");
        assertEquals("k:0", ((ItemResult.Accepted) batch.results().get(0)).eventId());
        assertEquals("k:1", ((ItemResult.Accepted) batch.results().get(1)).eventId());
    }

    @Test
    void batchWithGoodAndBadItemsAcceptsTheGoodAndNamesTheBadField() {
        var response = service.submit(json("""
                [{"request_id":"r1","kind":"thumbs","value":1},
                 {"request_id":"r2","kind":"thumbs","value":"yes"},
                 {"request_id":"r3","kind":"stars","value":1},
                 {"kind":"rating","value":3},
                 {"request_id":"r5","kind":"rating","value":9},
                 42,
                 {"request_id":"r7","kind":"comment","comment":"très bien 👍 \\t\\n"}]
                """), null);
        var results = assertInstanceOf(FeedbackResponse.Batch.class, response).results();
        assertInstanceOf(ItemResult.Accepted.class, results.get(0));
        assertEquals("[1].value", ((ItemResult.Rejected) results.get(1)).field());
        assertEquals("[2].kind", ((ItemResult.Rejected) results.get(2)).field());
        assertEquals("[3].request_id", ((ItemResult.Rejected) results.get(3)).field());
        assertEquals("[4].value", ((ItemResult.Rejected) results.get(4)).field());
        assertEquals("[5]", ((ItemResult.Rejected) results.get(5)).field());
        assertInstanceOf(ItemResult.Accepted.class, results.get(6));
        assertEquals(2, producer.history().size(), "only the valid events are produced");
        assertEquals("très bien 👍 \t\n", codec.decode(producer.history().get(1).value(), FeedbackEvent.class).comment());
    }

    @Test
    void wholeRequestErrorsNameTheProblem() {
        assertEquals(new FeedbackResponse.Invalid(400, "$", "empty batch: send at least one feedback object"), service.submit(json("[]"), null));
        var malformed = (FeedbackResponse.Invalid) service.submit(json("{\"request_id\":"), null);
        assertEquals(400, malformed.status());
        var tooMany = (FeedbackResponse.Invalid) service.submit(json("[" + "{},".repeat(10) + "{}]"), null);
        assertEquals(413, tooMany.status());
        var wrongType = (FeedbackResponse.Invalid) service.submit(json("\"feedback\""), null);
        assertEquals(400, wrongType.status());
        var badKey = (FeedbackResponse.Invalid) service.submit(json("{}"), "");
        assertEquals("Idempotency-Key", badKey.field());
    }

    @Test
    void anEventOverTheSizeLimitIs413AndNeverProduced() {
        String huge = "x".repeat(EventCodec.DEFAULT_MAX_EVENT_BYTES);
        var single = (FeedbackResponse.Invalid) service.submit(json("{\"request_id\":\"r\",\"kind\":\"comment\",\"comment\":\"" + huge + "\"}"), null);
        assertEquals(413, single.status());
        var batch = (FeedbackResponse.Batch) service.submit(json("[{\"request_id\":\"r\",\"kind\":\"comment\",\"comment\":\"" + huge + "\"}]"), null);
        assertEquals(413, ((ItemResult.Rejected) batch.results().getFirst()).status());
        assertEquals(0, producer.history().size());
    }

    @Test
    void kafkaTimingOutMakesTheEventUnavailableWithItsIdForARetry() {
        producer.sendException = new org.apache.kafka.common.errors.TimeoutException("metadata not available after 2000 ms");
        var response = (FeedbackResponse.Single) service.submit(json("{\"request_id\":\"r\",\"kind\":\"metric\",\"value\":-2.5}"), "retry-me");
        var unavailable = assertInstanceOf(ItemResult.Unavailable.class, response.result());
        assertEquals("retry-me", unavailable.eventId());
    }
}
