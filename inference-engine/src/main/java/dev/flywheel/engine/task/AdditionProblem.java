package dev.flywheel.engine.task;

/** One verifiable problem: the prompt "a+b=" whose only correct completion is the decimal a+b. */
public record AdditionProblem(int a, int b) {
    public AdditionProblem {
        if (a < 0 || b < 0 || (long) a + b > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a and b must be non-negative with a sum that fits an int, got " + a + ", " + b);
        }
    }

    /** "12+345=" */
    public String prompt() { return a + "+" + b + "="; }

    /** "357" */
    public String answer() { return Integer.toString(a + b); }
}
