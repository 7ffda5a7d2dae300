package dev.flywheel.ingest.feedback;

import java.util.List;

/** The outcome of one {@code POST /v1/feedback}: one event, a batch, or a request that is wrong as a whole. */
public sealed interface FeedbackResponse {
    record Single(ItemResult result) implements FeedbackResponse {}

    record Batch(List<ItemResult> results) implements FeedbackResponse {
        public Batch {
            results = List.copyOf(results);
        }

        public boolean anyUnavailable() {
            return results.stream().anyMatch(r -> r instanceof ItemResult.Unavailable);
        }
    }

    /** Malformed JSON, an empty batch, too many events: {@code status} 400 or 413, {@code field} names the culprit. */
    record Invalid(int status, String field, String message) implements FeedbackResponse {}
}
