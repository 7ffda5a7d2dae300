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
 */
public record RampSettings(Duration tickInterval, long minUnitsForLimit, long minUnitsToTest, String actor) {
    public static final RampSettings DEFAULT = new RampSettings(Duration.ofSeconds(60), 100, 100, "ramp-controller");

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
    }
}
