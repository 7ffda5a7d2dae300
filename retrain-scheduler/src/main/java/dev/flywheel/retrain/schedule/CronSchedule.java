package dev.flywheel.retrain.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.flywheel.retrain.policy.InvalidPolicyException;
import dev.flywheel.retrain.policy.Schedule;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Optional;

/** A policy's schedule evaluated with cron-utils (Unix 5-field syntax) in its time zone, DST included. */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final ExecutionTime execution;
    private final Schedule schedule;

    public CronSchedule(Schedule schedule) {
        if (schedule.cron() == null) {
            throw new InvalidPolicyException("schedule.cron", "is empty: this policy only runs on demand");
        }
        try {
            this.execution = ExecutionTime.forCron(PARSER.parse(schedule.cron()));
        } catch (IllegalArgumentException e) {
            throw new InvalidPolicyException("schedule.cron", "'" + schedule.cron() + "' is not a 5-field cron expression: " + e.getMessage());
        }
        this.schedule = schedule;
    }

    /** The first fire time strictly after {@code after}. */
    public Optional<Instant> nextAfter(Instant after) {
        return execution.nextExecution(ZonedDateTime.ofInstant(after, schedule.zone())).map(ZonedDateTime::toInstant);
    }
}
