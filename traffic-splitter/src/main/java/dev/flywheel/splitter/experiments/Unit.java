package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.flywheel.splitter.experiments.internal.WireNames;

/** What an experiment randomises: a user (stable across sessions), a session, or each request independently. */
public enum Unit {
    USER, SESSION, REQUEST;

    @JsonValue
    public String wire() {
        return WireNames.of(this);
    }

    @JsonCreator
    public static Unit fromWire(String s) {
        return WireNames.parse(Unit.class, "unit", s);
    }
}
