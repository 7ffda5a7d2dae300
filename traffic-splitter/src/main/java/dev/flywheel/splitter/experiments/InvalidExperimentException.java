package dev.flywheel.splitter.experiments;

/**
 * An experiment definition or request that can never be accepted as it is (fatal, not retriable; HTTP 400).
 * {@link #field()} names the offending JSON field in snake_case, dotted/indexed for nested values
 * ({@code variants[1].backend_url}), or "$" for the whole document.
 */
public final class InvalidExperimentException extends RuntimeException {
    private final String field;
    private final String reason;

    public InvalidExperimentException(String field, String reason) {
        this(field, reason, null);
    }

    public InvalidExperimentException(String field, String reason, Throwable cause) {
        super(field + ": " + reason, cause);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    /** The reason without the field prefix. */
    public String reason() {
        return reason;
    }

    /** The same error under a parent path, e.g. {@code id} inside {@code variants[1]} becomes {@code variants[1].id}. */
    public InvalidExperimentException under(String parent) {
        if (parent == null || parent.isEmpty() || "$".equals(parent)) {
            return this;
        }
        String nested = "$".equals(field) ? parent : parent + "." + field;
        return new InvalidExperimentException(nested, reason, this);
    }
}
