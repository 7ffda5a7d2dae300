package dev.flywheel.contracts.events;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One evaluator result for one request, on topic {@code llm.scores.v1} keyed by {@code request_id}.
 * {@code eventId} is derived from (request id, evaluator id, version) by {@link #eventIdFor}, so re-scoring
 * the same request with the same evaluator version is idempotent. {@code score} is meaningful only when
 * {@code status} is ok: an evaluator error is an invalid score, never a 0. {@code passed} is null when the
 * evaluator has no pass threshold.
 */
public record ScoreEvent(
        String eventId,
        long ts,
        String requestId,
        String experimentId,
        String variantId,
        String evaluatorId,
        int evaluatorVersion,
        double score,
        Boolean passed,
        ScoreStatus status,
        String detail,
        double latencyMs) implements Event {

    public ScoreEvent {
        eventId = Checks.id("event_id", eventId);
        Checks.timestamp("ts", ts);
        requestId = Checks.id("request_id", requestId);
        experimentId = Checks.optionalId("experiment_id", experimentId);
        variantId = Checks.optionalId("variant_id", variantId);
        evaluatorId = Checks.id("evaluator_id", evaluatorId);
        if (evaluatorVersion < 1) {
            throw new InvalidEventException("evaluator_version", "must be >= 1, got " + evaluatorVersion);
        }
        if (status == null) {
            throw new InvalidEventException("status", "is required (ok, error or skipped)");
        }
        if (status == ScoreStatus.OK && !Double.isFinite(score)) {
            throw new InvalidEventException("score", "must be a finite number when status is ok, got " + score);
        }
        if (status != ScoreStatus.OK && Double.isNaN(score)) {
            score = 0.0; // stored as 0 but never read: status says it is not a score
        }
        detail = Checks.text("detail", detail);
        Checks.nonNegative("latency_ms", latencyMs);
    }

    /** The stable event id of a score: a name-based UUID of (request id, evaluator id, version). */
    public static String eventIdFor(String requestId, String evaluatorId, int evaluatorVersion) {
        String name = requestId + '\u0000' + evaluatorId + '\u0000' + evaluatorVersion;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public String key() {
        return requestId;
    }
}
