package dev.flywheel.contracts.events;

/** The streamed event types. Every event has a stable id so that replays are idempotent. */
public sealed interface Event permits InferenceEvent, FeedbackEvent, ScoreEvent {
    String eventId();

    /** Epoch milliseconds, UTC. */
    long ts();

    /** The Kafka record key the contract names for this event type. */
    String key();
}
