package dev.flywheel.eval.evaluators;

/**
 * An evaluator definition that can never be accepted as it is (fatal, not retriable): bad regex, invalid JSON
 * Schema, unknown type, a formula naming an unknown evaluator, a cycle between composites. {@link #field()} names
 * the offending field of the definition (dotted, snake_case) so the REST API can answer a 400 that points at it.
 */
public final class DefinitionException extends RuntimeException {
    private final String field;

    public DefinitionException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public DefinitionException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
