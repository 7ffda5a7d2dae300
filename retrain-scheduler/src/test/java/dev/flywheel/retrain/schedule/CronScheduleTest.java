package dev.flywheel.retrain.schedule;

import dev.flywheel.retrain.policy.InvalidPolicyException;
import dev.flywheel.retrain.policy.Schedule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CronScheduleTest {
    @Test
    void nightlyScheduleFiresAtTwoLocalTimeAcrossTheSpringDstChange() {
        CronSchedule s = new CronSchedule(new Schedule("0 2 * * *", ZoneId.of("Europe/Berlin")));
        // Before DST (UTC+1): 02:00 local = 01:00Z. After (UTC+2) 03:00 local = 01:00Z.
        assertEquals(Instant.parse("2026-03-28T01:00:00Z"), s.nextAfter(Instant.parse("2026-03-27T12:00:00Z")).orElseThrow());
        assertEquals(Instant.parse("2026-03-31T00:00:00Z"), s.nextAfter(Instant.parse("2026-03-30T12:00:00Z")).orElseThrow());
    }

    @Test
    void badCronNamesTheField() {
        InvalidPolicyException e = assertThrows(InvalidPolicyException.class,
                () -> new CronSchedule(new Schedule("61 2 * * *", ZoneId.of("UTC"))));
        assertEquals("schedule.cron", e.field());
        assertTrue(e.getMessage().contains("61 2"));
    }
}
