package dev.flywheel.splitter.ramp;

import java.time.Duration;

/**
 * Ramp-controller settings ({@code flywheel.splitter.ramp.*}).
 *
 * @param tickInterval          how often the controller looks at every running experiment (default 60 s)
 * @param minUnitsForLimit      a guardrail's absolute limit acts only once the treatment has this many units
 * @param minUnitsToTest        the sequential test acts (rollback, promote) only once control and treatment both have
 *                              this many units: the asymptotic confidence sequence is valid as n grows, and with a
 *                              handful of units an arm without variance (5 wrong answers) looks "certain"
 *                              (so a handful of early errors cannot roll back an experiment; default 100)
 * @param actor                 name written as the actor of automatic decisions (default "ramp-controller")
 * @param lastStageMaxWait      how long the last stage waits for a significant win before {@code lastStageWithoutWin}
 *                              decides (default 24 h: a nightly retrain loop needs the layer back the next night).
 *                              At 100 % no control traffic arrives, so the evidence seldom changes after a while.
 * @param lastStageWithoutWin   what happens then: roll back to control (the default: no variant is promoted
 *                              without evidence of a win), promote (a rollout that only had to do no harm), or hold
 *                              (wait for a person, as before 2026-12-05)
 */
public record RampSettings(Duration tickInterval, long minUnitsForLimit, long minUnitsToTest, String actor,
                           Duration lastStageMaxWait, LastStageAction lastStageWithoutWin) {
    public static final Duration DEFAULT_LAST_STAGE_MAX_WAIT = Duration.ofHours(24);
    public static final RampSettings DEFAULT = new RampSettings(Duration.ofSeconds(60), 100, 100, "ramp-controller");

    /** What the last stage does when it has waited {@code lastStageMaxWait} without a significant win. */
    public enum LastStageAction {
        ROLLBACK, PROMOTE, HOLD;

        /** From configuration: "rollback", "promote" or "hold" (any case). */
        public static LastStageAction parse(String value) {
            for (LastStageAction a : values()) {
                if (a.name().equalsIgnoreCase(value == null ? "" : value.strip())) {
                    return a;
                }
            }
            throw new IllegalArgumentException("flywheel.splitter.ramp.last-stage-without-win must be rollback, promote or hold, got '"
                    + value + "'");
        }
    }

    public RampSettings {
        if (tickInterval == null || tickInterval.isZero() || tickInterval.isNegative()) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.tick-interval must be a positive duration, got " + tickInterval);
        }
        if (minUnitsForLimit < 0) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.min-units-for-limit must be >= 0, got " + minUnitsForLimit);
        }
        if (minUnitsToTest < 2) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.min-units-to-test must be >= 2, got " + minUnitsToTest);
        }
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.actor must not be blank");
        }
        if (lastStageMaxWait == null || lastStageMaxWait.isNegative()) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.last-stage-max-wait must be a duration >= 0, got " + lastStageMaxWait);
        }
        if (lastStageWithoutWin == null) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.last-stage-without-win must be rollback, promote or hold");
        }
    }

    /** The settings with the default last-stage rule (24 h, then roll back). */
    public RampSettings(Duration tickInterval, long minUnitsForLimit, long minUnitsToTest, String actor) {
        this(tickInterval, minUnitsForLimit, minUnitsToTest, actor, DEFAULT_LAST_STAGE_MAX_WAIT, LastStageAction.ROLLBACK);
    }

    /** These settings with another last-stage rule. */
    public RampSettings withLastStage(Duration maxWait, LastStageAction action) {
        return new RampSettings(tickInterval, minUnitsForLimit, minUnitsToTest, actor, maxWait, action);
    }
}
