package dev.flywheel.eval.evaluators.internal;

/**
 * A view of a string that throws {@link DeadlineExceeded} from {@code charAt} once a deadline (System.nanoTime) has
 * passed. java.util.regex cannot be interrupted, so this is how a catastrophically backtracking pattern
 * ("(a+)+$" on a long input) is stopped instead of pinning a scoring thread forever. The clock is read every 4096
 * reads to keep the overhead small.
 */
final class DeadlineCharSequence implements CharSequence {
    private final String text;
    private final long deadlineNanos;
    private int reads;

    DeadlineCharSequence(String text, long deadlineNanos) {
        this.text = text;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public char charAt(int index) {
        if ((++reads & 4095) == 0 && System.nanoTime() > deadlineNanos) {
            throw new DeadlineExceeded();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new DeadlineCharSequence(text.substring(start, end), deadlineNanos);
    }

    @Override
    public String toString() {
        return text;
    }

    static final class DeadlineExceeded extends RuntimeException {
        DeadlineExceeded() {
            super("regular expression ran past its time budget (catastrophic backtracking?)", null, false, false);
        }
    }
}
