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

    /** The 0-based row of the body that ClickHouse could not read, or -1 (not a row's fault, or not named). */
    private final int badRow;

    public InsertException(String table, int rows, boolean retriable, String message, Throwable cause) {
        this(table, rows, retriable, -1, message, cause);
    }

    /** @param badRow 0-based row of the body ClickHouse refused as data (it names it), or -1 */
    public InsertException(String table, int rows, boolean retriable, int badRow, String message, Throwable cause) {
        super("insert of " + rows + " rows into " + table + " failed (" + (retriable ? "retriable" : "rejected")
                + (badRow >= 0 ? ", row " + badRow + " unreadable" : "") + "): " + message, cause);
        this.table = table;
        this.rows = rows;
        this.retriable = retriable;
        this.badRow = badRow;
    }

    /** The 0-based row of the body ClickHouse could not read as data, or -1. */
    public int badRow() {
        return badRow;
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
