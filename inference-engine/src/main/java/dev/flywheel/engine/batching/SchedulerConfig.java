package dev.flywheel.engine.batching;

/**
 * Limits of the continuous-batching scheduler.
 *
 * @param maxBatch         most sequences in one engine step
 * @param queueBound       most requests waiting for admission; beyond it submissions are rejected
 * @param maxSeqLen        the model context: prompt + max_tokens must fit in it
 * @param maxPrefillTokens prompt tokens admitted per step (at least one request is always admitted)
 */
public record SchedulerConfig(int maxBatch, int queueBound, int maxSeqLen, int maxPrefillTokens) {
    public SchedulerConfig {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        if (queueBound < 1) {
            throw new IllegalArgumentException("queueBound must be >= 1, got " + queueBound);
        }
        if (maxSeqLen < 2) {
            throw new IllegalArgumentException("maxSeqLen must be >= 2, got " + maxSeqLen);
        }
        if (maxPrefillTokens < 1) {
            throw new IllegalArgumentException("maxPrefillTokens must be >= 1, got " + maxPrefillTokens);
        }
    }
}
