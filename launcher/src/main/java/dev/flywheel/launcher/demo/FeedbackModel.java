package dev.flywheel.launcher.demo;

import java.util.random.RandomGenerator;

/**
 * How a simulated user reacts to an answer: with probability {@code feedbackRate} they click a thumb at all; the
 * thumb is up with probability {@code upWhenRight} after a correct answer and {@code upWhenWrong} after a wrong one
 * (noise both ways: people misclick, and some do not check the sum).
 */
public record FeedbackModel(double feedbackRate, double upWhenRight, double upWhenWrong) {
    public FeedbackModel {
        probability("feedbackRate", feedbackRate);
        probability("upWhenRight", upWhenRight);
        probability("upWhenWrong", upWhenWrong);
    }

    public static FeedbackModel standard() {
        return new FeedbackModel(0.6, 0.85, 0.2);
    }

    /** The thumb (1 up, 0 down) this user gives, or -1 for no feedback. */
    public int react(boolean correct, RandomGenerator rng) {
        if (rng.nextDouble() >= feedbackRate) {
            return -1;
        }
        return rng.nextDouble() < (correct ? upWhenRight : upWhenWrong) ? 1 : 0;
    }

    private static void probability(String field, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1], got " + p);
        }
    }
}
