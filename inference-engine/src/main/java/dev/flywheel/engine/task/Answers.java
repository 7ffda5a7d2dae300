package dev.flywheel.engine.task;

import java.util.Optional;

/** Answer extraction and exact-match scoring of a completion. */
public final class Answers {
    private Answers() {}

    /**
     * The leading run of ASCII digits after optional whitespace ("357<eos>" → "357", " 42 and" → "42"),
     * or empty when the completion does not start with a number.
     */
    public static Optional<String> extract(String completion) {
        if (completion == null) {
            return Optional.empty();
        }
        int i = 0;
        while (i < completion.length() && Character.isWhitespace(completion.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < completion.length() && completion.charAt(i) >= '0' && completion.charAt(i) <= '9') {
            i++;
        }
        return i == start ? Optional.empty() : Optional.of(completion.substring(start, i));
    }

    /** True when the extracted number is exactly the answer (no leading zeros, no extra digits). */
    public static boolean isCorrect(AdditionProblem problem, String completion) {
        return extract(completion).map(problem.answer()::equals).orElse(false);
    }
}
