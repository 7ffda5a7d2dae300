package dev.flywheel.ingest.sink;

/**
 * A ClickHouse insert that was not acknowledged. {@code retriable}: the server was unreachable, overloaded or
 * answered 5xx, so the same batch should be sent again later; otherwise the server rejected the request itself (a
 * schema mismatch, a bug), which retrying cannot fix but which still must not lose the batch, so the sink keeps
 * retrying slowly and reports it loudly. The message carries table, row count and the server's answer.
 */
public final class InsertException extends Exception {
    private final String table;
    private final int rows;
    private final boolean retriable;

    public InsertException(String table, int rows, boolean retriable, String message, Throwable cause) {
        super("insert of " + rows + " rows into " + table + " failed (" + (retriable ? "retriable" : "rejected") + "): " + message, cause);
        this.table = table;
        this.rows = rows;
        this.retriable = retriable;
    }

    public String table() {
        return table;
    }

    public int rows() {
        return rows;
    }

    public boolean retriable() {
        return retriable;
    }
}
