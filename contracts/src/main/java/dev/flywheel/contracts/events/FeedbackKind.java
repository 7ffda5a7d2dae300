package dev.flywheel.contracts.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a feedback event measures, and the values each kind accepts:
 * thumbs 0 (down) or 1 (up); rating 1..5; conversion 0 or 1; metric any finite number; comment needs
 * a non-empty comment and no value.
 */
public enum FeedbackKind {
    THUMBS, RATING, CONVERSION, METRIC, COMMENT;

    @JsonValue
    public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }

    @JsonCreator
    public static FeedbackKind fromWire(String s) { return Wire.parse(FeedbackKind.class, "kind", s); }

    /** Checks value/comment against this kind; the exception names the field. */
    void check(Double value, String comment) {
        switch (this) {
            case THUMBS, CONVERSION -> {
                if (value == null || (value != 0.0 && value != 1.0)) {
                    throw new InvalidEventException("value", "must be 0 or 1 for kind " + wire() + ", got " + value);
                }
            }
            case RATING -> {
                if (value == null || !(value >= 1.0 && value <= 5.0)) {
                    throw new InvalidEventException("value", "must be between 1 and 5 for kind rating, got " + value);
                }
            }
            case METRIC -> {
                if (value == null || !Double.isFinite(value)) {
                    throw new InvalidEventException("value", "must be a finite number for kind metric, got " + value);
                }
            }
            case COMMENT -> {
                if (comment == null || comment.isBlank()) {
                    throw new InvalidEventException("comment", "is required for kind comment");
                }
            }
        }
    }
}
