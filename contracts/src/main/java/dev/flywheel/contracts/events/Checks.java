package dev.flywheel.contracts.events;

import static dev.flywheel.contracts.events.EventLimits.MAX_ATTRIBUTES;
import static dev.flywheel.contracts.events.EventLimits.MAX_ATTRIBUTE_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_ID_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_TEXT_CHARS;
import static dev.flywheel.contracts.events.EventLimits.MAX_TS;
import static dev.flywheel.contracts.events.EventLimits.MIN_TS;

import java.util.Map;

/** Constructor-time validation shared by the event records; every failure names the JSON field. */
final class Checks {
    private Checks() {}

    static String id(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidEventException(field, "is required and must be a non-empty string");
        }
        if (value.length() > MAX_ID_CHARS) {
            throw new InvalidEventException(field, "must be at most " + MAX_ID_CHARS + " characters, got " + value.length());
        }
        return value;
    }

    static String optionalId(String field, String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return id(field, value);
    }

    static String text(String field, String value) {
        if (value == null) {
            return "";
        }
        if (value.length() > MAX_TEXT_CHARS) {
            throw new InvalidEventException(field, "must be at most " + MAX_TEXT_CHARS + " characters, got " + value.length());
        }
        return value;
    }

    static long timestamp(String field, long value) {
        // 2001-09-09 .. 2286-11-20 in epoch milliseconds: catches seconds or microseconds sent by mistake.
        if (value < MIN_TS || value > MAX_TS) {
            throw new InvalidEventException(field, "must be epoch milliseconds (13 digits), got " + value);
        }
        return value;
    }

    static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new InvalidEventException(field, "must be >= 0, got " + value);
        }
        return value;
    }

    static double nonNegative(String field, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new InvalidEventException(field, "must be a finite number >= 0, got " + value);
        }
        return value;
    }

    static Map<String, String> attributes(String field, Map<String, String> value) {
        if (value == null) {
            return Map.of();
        }
        if (value.size() > MAX_ATTRIBUTES) {
            throw new InvalidEventException(field, "must have at most " + MAX_ATTRIBUTES + " entries, got " + value.size());
        }
        for (var e : value.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new InvalidEventException(field, "keys must be non-empty and values non-null");
            }
            if (e.getKey().length() + e.getValue().length() > MAX_ATTRIBUTE_CHARS) {
                throw new InvalidEventException(field + "." + e.getKey(), "must be at most " + MAX_ATTRIBUTE_CHARS + " characters");
            }
        }
        return Map.copyOf(value);
    }
}
