package dev.flywheel.splitter.experiments.internal;

import dev.flywheel.splitter.experiments.InvalidExperimentException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Lower-case wire names for the experiment enums ("rolled_back", "higher_is_better"). */
public final class WireNames {
    private WireNames() {}

    public static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    public static <E extends Enum<E>> E parse(Class<E> type, String field, String s) {
        if (s == null || s.isBlank()) {
            throw new InvalidExperimentException(field, "is required: one of " + allowed(type));
        }
        try {
            return Enum.valueOf(type, s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidExperimentException(field, "must be one of " + allowed(type) + ", got '" + s + "'", e);
        }
    }

    private static <E extends Enum<E>> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireNames::of).collect(Collectors.joining(", "));
    }
}
