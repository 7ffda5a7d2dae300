package dev.flywheel.engine.batching;

/** Why the engine did not (fully) serve a request. {@link #retriable()} says whether trying later can help. */
public sealed abstract class GenerationException extends RuntimeException
        permits GenerationException.QueueFull, GenerationException.TooLong, GenerationException.StepFailed,
                GenerationException.ShuttingDown {

    GenerationException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract boolean retriable();

    /** The admission queue is at its bound: back off for about {@code retryAfterSeconds}. */
    public static final class QueueFull extends GenerationException {
        private final int retryAfterSeconds;

        public QueueFull(int queueBound, int retryAfterSeconds) {
            super("the engine queue is full (" + queueBound + " waiting requests); retry after " + retryAfterSeconds + " s", null);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /**
     * The prompt plus max_tokens does not fit: {@code limit} is the model context or the KV pool capacity
     * in tokens, whichever was exceeded.
     */
    public static final class TooLong extends GenerationException {
        private final int promptTokens;
        private final int maxTokens;
        private final int limit;

        public TooLong(int promptTokens, int maxTokens, int limit, String what) {
            super("the prompt has " + promptTokens + " tokens and max_tokens is " + maxTokens + ", but " + what + " holds "
                    + limit + " tokens", null);
            this.promptTokens = promptTokens;
            this.maxTokens = maxTokens;
            this.limit = limit;
        }

        /** True when the prompt alone is too long (else lowering max_tokens would help). */
        public boolean promptAloneTooLong() {
            return promptTokens >= limit;
        }

        public int promptTokens() {
            return promptTokens;
        }

        public int maxTokens() {
            return maxTokens;
        }

        public int limit() {
            return limit;
        }

        @Override
        public boolean retriable() {
            return false;
        }
    }

    /** The forward pass or sampling failed for the batch this request was in. */
    public static final class StepFailed extends GenerationException {
        public StepFailed(String requestId, Throwable cause) {
            super("engine step failed for request " + requestId + ": " + cause, cause);
        }

        @Override
        public boolean retriable() {
            return false;
        }
    }

    /** The engine stopped before the request finished. */
    public static final class ShuttingDown extends GenerationException {
        public ShuttingDown(String requestId) {
            super("the engine is shutting down; request " + requestId + " was not completed", null);
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }
}
