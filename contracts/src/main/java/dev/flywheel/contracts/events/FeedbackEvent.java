package dev.flywheel.contracts.events;

import java.util.Map;

/**
 * User feedback on one request, on topic {@code llm.feedback.v1} keyed by {@code request_id}.
 * {@code eventId} is the client's idempotency key or one generated on receipt. See {@link FeedbackKind} for
 * the values each kind accepts; {@code value} is null only for comments.
 */
public record FeedbackEvent(
        String eventId,
        long ts,
        String requestId,
        String unitId,
        FeedbackKind kind,
        Double value,
        String comment,
        Map<String, String> attributes) implements Event {

    public FeedbackEvent {
        eventId = Checks.id("event_id", eventId);
        Checks.timestamp("ts", ts);
        requestId = Checks.id("request_id", requestId);
        unitId = Checks.optionalId("unit_id", unitId);
        if (kind == null) {
            throw new InvalidEventException("kind", "is required (thumbs, rating, conversion, metric or comment)");
        }
        comment = Checks.text("comment", comment);
        kind.check(value, comment);
        attributes = Checks.attributes("attributes", attributes);
    }

    @Override
    public String key() {
        return requestId;
    }
}
