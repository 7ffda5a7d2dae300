package dev.flywheel.contracts.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Outcome of one proxied request: served by its variant, failed, or served by control after a failure. */
public enum InferenceStatus {
    OK, ERROR, FALLBACK;

    @JsonValue
    public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }

    @JsonCreator
    public static InferenceStatus fromWire(String s) { return Wire.parse(InferenceStatus.class, "status", s); }
}
