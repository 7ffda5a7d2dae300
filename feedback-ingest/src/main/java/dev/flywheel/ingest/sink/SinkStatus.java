package dev.flywheel.ingest.sink;

/**
 * A snapshot of one sink consumer, for health checks and tests.
 *
 * @param paused              partitions are paused because ClickHouse (or the DLQ) did not acknowledge
 * @param bufferedRows        rows waiting for insert
 * @param bufferedBytes       bytes of those rows
 * @param commits             offset commits done so far
 * @param consecutiveFailures failed flush attempts since the last success
 * @param lastError           the last failure's message, or "" when none
 */
public record SinkStatus(boolean paused, int bufferedRows, long bufferedBytes, long commits, int consecutiveFailures, String lastError) {
    public static final SinkStatus STARTING = new SinkStatus(false, 0, 0, 0, 0, "");
}
