package dev.flywheel.splitter.experiments.internal;

import dev.flywheel.splitter.experiments.InvalidExperimentException;
import java.util.regex.Pattern;

/** Constructor-time checks shared by the experiment records; every failure names the snake_case field. */
public final class Fields {
    /** Ids go into Kafka keys, ClickHouse rows, HTTP headers and URLs: keep them plain. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    public static final int MAX_TEXT_CHARS = 4096;

    private Fields() {}

    public static String id(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidExperimentException(field, "is required");
        }
        if (!ID.matcher(value).matches()) {
            throw new InvalidExperimentException(field,
                    "must be 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit, got '" + clip(value) + "'");
        }
        return value;
    }

    public static String required(String field, String value, int maxChars) {
        if (value == null || value.isBlank()) {
            throw new InvalidExperimentException(field, "is required");
        }
        return text(field, value, maxChars);
    }

    public static String text(String field, String value, int maxChars) {
        if (value == null) {
            return "";
        }
        if (value.length() > maxChars) {
            throw new InvalidExperimentException(field, "must be at most " + maxChars + " characters, got " + value.length());
        }
        return value;
    }

    public static double percent(String field, double value, boolean zeroAllowed, boolean hundredAllowed) {
        boolean ok = Double.isFinite(value)
                && (zeroAllowed ? value >= 0 : value > 0)
                && (hundredAllowed ? value <= 100 : value < 100);
        if (!ok) {
            throw new InvalidExperimentException(field, "must be a percentage in " + (zeroAllowed ? "[0" : "(0")
                    + ", 100" + (hundredAllowed ? "]" : ")") + ", got " + value);
        }
        return value;
    }

    public static <T> T present(String field, T value) {
        if (value == null) {
            throw new InvalidExperimentException(field, "is required");
        }
        return value;
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }
}
