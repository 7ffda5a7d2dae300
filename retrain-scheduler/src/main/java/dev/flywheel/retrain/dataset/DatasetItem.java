package dev.flywheel.retrain.dataset;

import java.util.Map;

/**
 * One distinct prompt from recent traffic: the request it came from, the user text, the served completion, the
 * reference answer when the traffic carried one (attribute {@code reference}), the mean valid score per evaluator,
 * and the mean feedback value (NaN when the request got none).
 */
public record DatasetItem(String requestId, String prompt, String completion, String reference, Map<String, Double> scores,
                          double feedback) {
    public DatasetItem {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId is required");
        }
        if (prompt == null || prompt.isEmpty()) {
            throw new IllegalArgumentException("prompt of request " + requestId + " must not be empty");
        }
        completion = completion == null ? "" : completion;
        scores = scores == null ? Map.of() : Map.copyOf(scores);
    }
}
