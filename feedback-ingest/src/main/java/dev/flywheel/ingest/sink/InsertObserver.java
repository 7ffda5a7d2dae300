package dev.flywheel.ingest.sink;

/** Told after each acknowledged insert; used for freshness metrics and by the benchmark. */
@FunctionalInterface
public interface InsertObserver {
    /**
     * @param table        the table written
     * @param eventTimesMs event time of every inserted row, epoch ms
     * @param ackMillis    when ClickHouse acknowledged, epoch ms (the rows are visible to queries from then on)
     */
    void inserted(String table, long[] eventTimesMs, long ackMillis);

    InsertObserver NONE = (table, eventTimesMs, ackMillis) -> { };
}
