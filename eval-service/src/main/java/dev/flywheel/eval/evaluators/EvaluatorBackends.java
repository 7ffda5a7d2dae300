package dev.flywheel.eval.evaluators;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What evaluators need from the outside world: an HTTP client, a clock (circuit breakers), a seed for retry
 * jitter, the JSON mapper, the default LLM judge and the embedding backend (both OpenAI-compatible; absent when not
 * configured, in which case definitions that need them are rejected), and the time budget of one regex match.
 */
public record EvaluatorBackends(
        HttpClient httpClient,
        Clock clock,
        long jitterSeed,
        ObjectMapper mapper,
        Optional<OpenAiEndpoint> judge,
        Optional<OpenAiEndpoint> embeddings,
        Duration regexBudget) {

    /** An OpenAI-compatible server: base URL (with or without /v1), model name, optional API key (never logged). */
    public record OpenAiEndpoint(URI baseUrl, String model, String apiKey) {
        public OpenAiEndpoint {
            if (baseUrl == null || !("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme()))) {
                throw new IllegalArgumentException("base url must be http:// or https://, got '" + baseUrl + "'");
            }
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model is required for " + baseUrl);
            }
            apiKey = apiKey == null ? "" : apiKey;
        }

        @Override
        public String toString() {
            return "OpenAiEndpoint[" + baseUrl + ", model=" + model + "]";
        }
    }

    public EvaluatorBackends {
        judge = judge == null ? Optional.empty() : judge;
        embeddings = embeddings == null ? Optional.empty() : embeddings;
        if (regexBudget == null || regexBudget.isNegative() || regexBudget.isZero()) {
            throw new IllegalArgumentException("regexBudget must be positive, got " + regexBudget);
        }
    }
}
