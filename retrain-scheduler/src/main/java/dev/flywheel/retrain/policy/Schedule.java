package dev.flywheel.retrain.policy;

import java.time.DateTimeException;
import java.time.ZoneId;

/** When the policy runs by itself: a Unix cron expression (5 fields) in a time zone; null cron = only on demand. */
public record Schedule(String cron, ZoneId zone) {
    public Schedule {
        if (zone == null) {
            throw new InvalidPolicyException("schedule.time_zone", "is required (an IANA zone such as Europe/Berlin)");
        }
        if (cron != null && cron.isBlank()) {
            cron = null;
        }
    }

    public static ZoneId zone(String id) {
        try {
            return ZoneId.of(id == null ? "UTC" : id);
        } catch (DateTimeException e) {
            throw new InvalidPolicyException("schedule.time_zone", "unknown time zone '" + id + "'");
        }
    }
}
