package dev.flywheel.contracts.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private final EventCodec codec = new EventCodec();

    private static InferenceEvent inference(String id) {
        return new InferenceEvent(id, 1_763_800_000_000L, "exp-1", "treatment", 2, "user-42", "arith-tiny", "",
                List.of(new ChatMessage("user", "12+30= ? 🙂 ünïcødé")), "42", "stop", 7, 2, 12.5, 40.0, 0.0001,
                InferenceStatus.OK, "", Map.of("region", "eu"));
    }

    private InvalidEventException rejected(String json, Class<? extends Event> type) {
        return assertThrows(InvalidEventException.class, () -> codec.decode(json.getBytes(StandardCharsets.UTF_8), type));
    }

    @Test
    void inferenceEventRoundTripsWithSnakeCaseFieldsAndUnicode() {
        InferenceEvent event = inference("req-1");
        byte[] bytes = codec.encode(event);
        String json = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(json.contains("\"event_id\":\"req-1\""), json);
        assertTrue(json.contains("\"ramp_stage\":2"), json);
        assertTrue(json.contains("\"status\":\"ok\""), json);
        assertEquals(event, codec.decode(bytes, InferenceEvent.class));
    }

    @Test
    void feedbackAndScoreEventsRoundTrip() {
        var feedback = new FeedbackEvent("fb-1", 1_763_800_000_000L, "req-1", "user-42", FeedbackKind.RATING, 4.0, "", Map.of());
        assertEquals(feedback, codec.decode(codec.encode(feedback), FeedbackEvent.class));
        var score = new ScoreEvent(ScoreEvent.eventIdFor("req-1", "exact", 1), 1_763_800_000_000L, "req-1", "exp-1", "control",
                "exact", 1, 1.0, true, ScoreStatus.OK, "", 0.2);
        assertEquals(score, codec.decode(codec.encode(score), ScoreEvent.class));
    }

    @Test
    void missingRequiredFieldIsNamed() {
        var e = rejected("{\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"thumbs\",\"value\":1}", FeedbackEvent.class);
        assertEquals("event_id", e.field());
    }

    @Test
    void wrongTypeIsNamedWithWhatWasExpected() {
        var e = rejected("{\"event_id\":\"a\",\"ts\":\"yesterday\",\"request_id\":\"r\",\"kind\":\"thumbs\",\"value\":1}", FeedbackEvent.class);
        assertEquals("ts", e.field());
        assertTrue(e.reason().contains("integer"), e.getMessage());
    }

    @Test
    void numbersInStringsAndStringsAsNumbersAreWrongTypes() {
        var e = rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"rating\",\"value\":\"5\"}", FeedbackEvent.class);
        assertEquals("value", e.field());
        var e2 = rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":42,\"kind\":\"thumbs\",\"value\":1}", FeedbackEvent.class);
        assertEquals("request_id", e2.field());
        assertTrue(e2.reason().contains("string"), e2.getMessage());
    }

    @Test
    void unknownKindListsTheAllowedOnes() {
        var e = rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"likes\",\"value\":1}", FeedbackEvent.class);
        assertEquals("kind", e.field());
        assertTrue(e.reason().contains("thumbs, rating, conversion, metric, comment"), e.getMessage());
    }

    @Test
    void outOfRangeValueIsRejectedPerKind() {
        assertEquals("value", rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"thumbs\",\"value\":2}", FeedbackEvent.class).field());
        assertEquals("value", rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"rating\",\"value\":0}", FeedbackEvent.class).field());
        assertEquals("comment", rejected("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"comment\"}", FeedbackEvent.class).field());
    }

    @Test
    void secondsInsteadOfMillisecondsIsRejected() {
        var e = rejected("{\"event_id\":\"a\",\"ts\":1763800000,\"request_id\":\"r\",\"kind\":\"thumbs\",\"value\":1}", FeedbackEvent.class);
        assertEquals("ts", e.field());
    }

    @Test
    void garbageEmptyAndOversizedInputsAreRejectedAsWholeDocument() {
        assertEquals("$", rejected("{not json", FeedbackEvent.class).field());
        assertEquals("$", assertThrows(InvalidEventException.class, () -> codec.decode(new byte[0], FeedbackEvent.class)).field());
        assertEquals("$", rejected("null", FeedbackEvent.class).field());
        var small = new EventCodec(1024);
        byte[] huge = ("{\"event_id\":\"" + "x".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(InvalidEventException.class, () -> small.decode(huge, FeedbackEvent.class));
        assertTrue(e.reason().contains("over the limit"), e.getMessage());
    }

    @Test
    void nestedFieldErrorsCarryTheirPath() {
        String json = new String(codec.encode(inference("r")), StandardCharsets.UTF_8)
                .replace("\"role\":\"user\"", "\"role\":\"\"");
        var e = rejected(json, InferenceEvent.class);
        assertTrue(e.field().startsWith("prompt") || e.field().equals("role"), e.getMessage());
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        var fb = codec.decode(("{\"event_id\":\"a\",\"ts\":1763800000000,\"request_id\":\"r\",\"kind\":\"comment\","
                + "\"comment\":\"great\",\"added_in_v2\":true}").getBytes(StandardCharsets.UTF_8), FeedbackEvent.class);
        assertEquals("great", fb.comment());
        assertNull(fb.value());
    }

    @Test
    void experimentWithoutVariantIsRejected() {
        var e = assertThrows(InvalidEventException.class, () -> new InferenceEvent("r", 1_763_800_000_000L, "exp", "", -1, "u", "m", "",
                List.of(), "", "", 0, 0, 0, 0, 0, InferenceStatus.OK, "", Map.of()));
        assertEquals("variant_id", e.field());
    }
}
