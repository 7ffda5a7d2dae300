package dev.flywheel.splitter.ramp;

import java.util.Locale;

/** What a ramp decision does to the experiment; {@link #HOLD} changes nothing and is recorded all the same. */
public enum DecisionKind {
    HOLD, ADVANCE, ROLLBACK, PROMOTE, PAUSE, RESUME;

    /** The name stored in ClickHouse and shown over REST ("advance"). */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; the error names the field and the accepted values. */
    public static DecisionKind parse(String field, String s) {
        for (DecisionKind k : values()) {
            if (k.wire().equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException(field + " must be one of hold, advance, rollback, promote, pause, resume, got '" + s + "'");
    }
}
