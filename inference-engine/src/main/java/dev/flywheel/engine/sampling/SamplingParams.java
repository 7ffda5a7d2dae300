package dev.flywheel.engine.sampling;

import java.util.List;

/**
 * How to pick tokens for one request, with OpenAI field semantics.
 *
 * @param temperature 0 means greedy (argmax); otherwise logits are divided by it, in (0, 2]
 * @param topP        nucleus mass in (0, 1]; 1 disables it
 * @param topK        keep the k most likely tokens; 0 disables it (the API also maps -1 to 0)
 * @param maxTokens   most tokens to generate, >= 1
 * @param stop        up to {@value #MAX_STOP} non-empty strings; generation ends before the first match
 * @param seed        seed of the request's random generator, or null for one drawn by the engine
 */
public record SamplingParams(double temperature, double topP, int topK, int maxTokens, List<String> stop, Long seed) {
    public static final int MAX_STOP = 4;

    public SamplingParams {
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new InvalidSamplingException("temperature", "must be between 0 and 2, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidSamplingException("top_p", "must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new InvalidSamplingException("top_k", "must be >= 0 (0 or -1 disables it), got " + topK);
        }
        if (maxTokens < 1) {
            throw new InvalidSamplingException("max_tokens", "must be >= 1, got " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.size() > MAX_STOP) {
            throw new InvalidSamplingException("stop", "allows at most " + MAX_STOP + " sequences, got " + stop.size());
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new InvalidSamplingException("stop", "sequences must be non-empty");
            }
        }
    }

    /** Greedy decoding of up to maxTokens tokens, no stop sequences. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, 0, maxTokens, List.of(), null);
    }

    public boolean isGreedy() {
        return temperature == 0 || topK == 1;
    }
}
