package dev.flywheel.ingest.internal;

import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.ingest.batching.RowBuffer;
import java.util.List;

/**
 * Turns one Kafka record of a topic into one TabSeparated row of its ClickHouse table, after validating it with the
 * contract. A record that can never be stored is an {@link InvalidEventException} naming the field (it goes to the
 * DLQ); nothing is written to the buffer in that case.
 */
public sealed interface RowEncoder permits InferenceRows, FeedbackRows, ScoreRows, StateHistoryRows {
    /** The table, without the database. */
    String table();

    /** The columns the rows fill, in order (the others take their DEFAULT). */
    List<String> columns();

    /**
     * Validates {@code value} and appends its row (ending with a newline) to {@code out}.
     *
     * @param key             the record key (may be null)
     * @param recordTimestamp the Kafka record's timestamp, epoch ms
     * @return the event time of the row, epoch ms
     */
    long append(byte[] key, byte[] value, long recordTimestamp, RowBuffer out);
}
