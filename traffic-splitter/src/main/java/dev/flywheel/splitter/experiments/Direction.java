package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.flywheel.splitter.experiments.internal.WireNames;

/** Whether a larger metric value is good (scores, thumbs-up rate) or bad (error rate, latency, cost). */
public enum Direction {
    HIGHER_IS_BETTER, LOWER_IS_BETTER;

    @JsonValue
    public String wire() {
        return WireNames.of(this);
    }

    @JsonCreator
    public static Direction fromWire(String s) {
        return WireNames.parse(Direction.class, "direction", s);
    }
}
