package dev.flywheel.contracts.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** ok: a valid score; error: the evaluator failed (the score is invalid, never a 0); skipped: not applicable. */
public enum ScoreStatus {
    OK, ERROR, SKIPPED;

    @JsonValue
    public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }

    @JsonCreator
    public static ScoreStatus fromWire(String s) { return Wire.parse(ScoreStatus.class, "status", s); }
}
