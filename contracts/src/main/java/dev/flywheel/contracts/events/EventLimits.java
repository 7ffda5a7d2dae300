package dev.flywheel.contracts.events;

/**
 * The bounds every event's fields are validated against (by the records' constructors, and by fast decoders that
 * must refuse exactly what the records refuse, such as the ingest service's streaming one).
 */
public final class EventLimits {
    /** Ids (event, request, unit, experiment, variant, ...): at most this many characters. */
    public static final int MAX_ID_CHARS = 256;
    /** Free text (prompt, completion, comment): at most this many characters. */
    public static final int MAX_TEXT_CHARS = 512 * 1024;
    /** Attributes per event. */
    public static final int MAX_ATTRIBUTES = 64;
    /** Characters of one attribute key or value. */
    public static final int MAX_ATTRIBUTE_CHARS = 1024;
    /** Timestamps are epoch milliseconds with 13 digits: a 10-digit seconds value is refused. */
    public static final long MIN_TS = 1_000_000_000_000L;
    public static final long MAX_TS = 9_999_999_999_999L;

    private EventLimits() {}
}
