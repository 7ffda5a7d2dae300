package dev.flywheel.ingest.sink;

import java.nio.ByteBuffer;
import java.util.List;

/** Inserts a batch of TabSeparated rows into one ClickHouse table and returns only once ClickHouse acknowledged it. */
public interface TableWriter {
    /**
     * @param table   table name without the database
     * @param columns the columns the rows fill, in order
     * @param rows    number of rows in {@code body} (for errors and metrics)
     * @param body    the rows, each ending with a newline
     * @throws InsertException when ClickHouse did not acknowledge the insert (the batch must be kept and retried)
     */
    void insert(String table, List<String> columns, int rows, List<ByteBuffer> body) throws InsertException;
}
