package dev.flywheel.engine.batching;

/**
 * A snapshot of the scheduler for metrics.
 *
 * @param queued          requests waiting for admission
 * @param running         sequences admitted and not finished
 * @param lastBatchSize   sequences in the most recent step
 * @param generatedTokens tokens sampled since start
 * @param promptTokens    prompt tokens admitted since start
 * @param completed       requests finished since start (any reason)
 * @param tokensPerSecond tokens sampled per second over the last ten seconds
 */
public record SchedulerStats(int queued, int running, int lastBatchSize, long generatedTokens, long promptTokens,
                             long completed, double tokensPerSecond) {}
