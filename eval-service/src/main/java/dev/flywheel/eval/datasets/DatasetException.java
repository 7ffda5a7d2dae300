package dev.flywheel.eval.datasets;

/**
 * A dataset upload that cannot be accepted (fatal): names the 1-based JSONL line (0 when not about one line) and
 * the field, e.g. "line 3: messages[0].role: is required".
 */
public final class DatasetException extends RuntimeException {
    private final int line;
    private final String field;

    public DatasetException(int line, String field, String message) {
        super((line > 0 ? "line " + line + ": " : "") + field + ": " + message);
        this.line = line;
        this.field = field;
    }

    public int line() {
        return line;
    }

    public String field() {
        return field;
    }
}
