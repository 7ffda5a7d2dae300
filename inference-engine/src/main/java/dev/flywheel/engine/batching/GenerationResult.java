package dev.flywheel.engine.batching;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one request.
 *
 * @param tokens             generated token ids (an end-of-sequence token included when it ended the generation)
 * @param text               the completion text (stop sequences and end-of-sequence excluded)
 * @param promptTokens       tokens of the prompt
 * @param cachedPromptTokens leading prompt tokens served from the prefix cache
 * @param timeToFirstToken   from submission to the first sampled token
 * @param latency            from submission to completion
 */
public record GenerationResult(String id, int[] tokens, String text, FinishReason finishReason, int promptTokens,
                               int cachedPromptTokens, Duration timeToFirstToken, Duration latency) {
    public GenerationResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(timeToFirstToken, "timeToFirstToken");
        Objects.requireNonNull(latency, "latency");
    }

    public int completionTokens() {
        return tokens.length;
    }
}
