package dev.flywheel.ingest.feedback;

/** What happened to one feedback event of a request ({@code index} is its position in a batch, 0 for a single event). */
public sealed interface ItemResult {
    int index();

    /** On the feedback topic, acknowledged by all in-sync replicas. */
    record Accepted(int index, String eventId) implements ItemResult {}

    /** Can never be accepted as sent: {@code status} 400 (invalid field) or 413 (too large); {@code field} names the culprit. */
    record Rejected(int index, int status, String field, String message) implements ItemResult {}

    /** Kafka did not acknowledge in time: retry later with the same {@code eventId} (idempotent). */
    record Unavailable(int index, String eventId, String message) implements ItemResult {}
}
