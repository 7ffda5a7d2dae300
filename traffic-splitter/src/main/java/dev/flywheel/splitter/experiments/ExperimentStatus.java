package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.flywheel.splitter.experiments.internal.WireNames;

/**
 * Lifecycle of an experiment. Legal transitions (anything else is a 409):
 * <pre>
 * DRAFT --start--> RUNNING --pause--> PAUSED --resume--> RUNNING
 * RUNNING|PAUSED --advance (RUNNING only)--> RUNNING (next stage)
 * RUNNING|PAUSED --rollback--> ROLLED_BACK     RUNNING|PAUSED --promote--> PROMOTED
 * DRAFT|PAUSED|ROLLED_BACK|PROMOTED --archive--> ARCHIVED
 * </pre>
 * Traffic: DRAFT and ARCHIVED take none; RUNNING and PAUSED split at the current stage (PAUSED freezes the ramp,
 * units keep their arm); ROLLED_BACK sends every unit of the experiment to control; PROMOTED sends every unit to
 * the promoted variant, which has become the control.
 */
public enum ExperimentStatus {
    DRAFT, RUNNING, PAUSED, ROLLED_BACK, PROMOTED, ARCHIVED;

    /** True while the experiment owns its slice of the layer and its units are tagged with it. */
    public boolean servesTraffic() {
        return this == RUNNING || this == PAUSED || this == ROLLED_BACK || this == PROMOTED;
    }

    @JsonValue
    public String wire() {
        return WireNames.of(this);
    }

    @JsonCreator
    public static ExperimentStatus fromWire(String s) {
        return WireNames.parse(ExperimentStatus.class, "status", s);
    }
}
