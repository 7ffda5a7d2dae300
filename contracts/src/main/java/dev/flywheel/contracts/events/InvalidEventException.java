package dev.flywheel.contracts.events;

/**
 * An event that can never be accepted as it is (fatal, not retriable): unparseable bytes, a wrong type,
 * a missing or out-of-range field. {@link #field()} names the offending JSON field ("$" for the whole
 * document) so that a 400 response or a DLQ record can say exactly what was wrong.
 */
public final class InvalidEventException extends RuntimeException {
    private final String field;

    public InvalidEventException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public InvalidEventException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    /** The JSON field (snake_case, dotted for nested fields) that was wrong, or "$" for the document. */
    public String field() {
        return field;
    }

    /** The reason without the field prefix. */
    public String reason() {
        String m = getMessage();
        return m.substring(field.length() + 2);
    }
}
