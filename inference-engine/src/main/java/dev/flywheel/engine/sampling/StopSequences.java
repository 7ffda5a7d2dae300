package dev.flywheel.engine.sampling;

import java.util.List;

/**
 * Stop-sequence matching over the text decoded so far, for streaming: it says how much of the text
 * is final. Text that could still turn into a stop sequence (a suffix that is a proper prefix of
 * one) or into a different character (a trailing U+FFFD from an incomplete UTF-8 byte sequence, or a
 * lone high surrogate) is held back. On a match, the text ends just before the stop sequence, as
 * OpenAI does. Stateless and thread-safe.
 */
public final class StopSequences {
    private static final char REPLACEMENT = '\uFFFD';

    private final List<String> stops;
    private final int longest;

    public StopSequences(List<String> stops) {
        this.stops = List.copyOf(stops);
        int max = 0;
        for (String s : this.stops) {
            if (s.isEmpty()) {
                throw new InvalidSamplingException("stop", "sequences must be non-empty");
            }
            max = Math.max(max, s.length());
        }
        this.longest = max;
    }

    /**
     * How much of {@code text} is final.
     *
     * @param text     everything generated so far, decoded
     * @param emitted  chars of it already handed to the client
     * @param finished true when generation ended for another reason (flush everything that did not match)
     */
    public Scan scan(String text, int emitted, boolean finished) {
        if (emitted < 0 || emitted > text.length()) {
            throw new IllegalArgumentException("emitted must be in [0, " + text.length() + "], got " + emitted);
        }
        int from = Math.max(0, emitted - longest + 1);
        int match = -1;
        for (String s : stops) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (match < 0 || at < match)) {
                match = at;
            }
        }
        if (match >= 0) {
            return new Scan(Math.max(match, emitted), true);
        }
        if (finished) {
            return new Scan(text.length(), false);
        }
        int end = text.length() - heldBack(text);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return new Scan(Math.max(end, emitted), false);
    }

    private int heldBack(String text) {
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, text.length()); k > hold; k--) {
                if (text.regionMatches(text.length() - k, s, 0, k)) {
                    hold = k;
                    break;
                }
            }
        }
        int trailing = 0;
        while (trailing < text.length() && text.charAt(text.length() - 1 - trailing) == REPLACEMENT) {
            trailing++;
        }
        return Math.max(hold, trailing);
    }

    /**
     * @param finalEnd text[0, finalEnd) is final (never shorter than what was already emitted)
     * @param stopped  a stop sequence matched at finalEnd; generation must end
     */
    public record Scan(int finalEnd, boolean stopped) {}
}
