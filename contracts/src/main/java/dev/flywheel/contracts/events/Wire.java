package dev.flywheel.contracts.events;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Lower-case wire names for the contract enums. */
final class Wire {
    private Wire() {}

    static <E extends Enum<E>> E parse(Class<E> type, String field, String s) {
        if (s == null) {
            throw new InvalidEventException(field, "is required");
        }
        try {
            return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String allowed = Arrays.stream(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
            throw new InvalidEventException(field, "must be one of " + allowed + ", got '" + s + "'");
        }
    }
}
