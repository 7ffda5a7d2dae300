package dev.flywheel.ingest.feedback;

/** Fatal: Kafka refused a feedback event for a reason retrying cannot fix (authorisation, a misconfigured topic). */
public final class FeedbackPublishException extends RuntimeException {
    public FeedbackPublishException(String eventId, Throwable cause) {
        super("Kafka refused feedback event " + eventId + ": " + cause, cause);
    }
}
