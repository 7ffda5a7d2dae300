package dev.flywheel.engine.api.internal;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.engine.sampling.SamplingParams;
import java.util.List;

/**
 * A validated completion request. Exactly one of {@code prompt} (/v1/completions) and
 * {@code messages} (/v1/chat/completions) is set. {@code maxTokens} is null when the client left it
 * to the server (the service picks a default that fits the context).
 */
public record ParsedRequest(boolean chat, String model, String prompt, List<ChatMessage> messages, Integer maxTokens,
                            double temperature, double topP, int topK, List<String> stop, Long seed, boolean stream, int n) {

    /** Sampling parameters once max_tokens is known; range errors name the parameter. */
    public SamplingParams params(int resolvedMaxTokens) {
        return new SamplingParams(temperature, topP, topK, resolvedMaxTokens, stop, seed);
    }
}
