package dev.flywheel.ingest.dlq;

/** Retriable: Kafka did not acknowledge some DLQ records in time; they are queued again and nothing is committed. */
public final class DeadLetterException extends Exception {
    public DeadLetterException(int records, Throwable cause) {
        super(records + " dead-letter records were not acknowledged by Kafka: " + cause, cause);
    }
}
