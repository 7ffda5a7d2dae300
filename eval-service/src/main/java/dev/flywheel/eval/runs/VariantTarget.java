package dev.flywheel.eval.runs;

import java.net.URI;

/**
 * The variant an offline run sends items to: an OpenAI-compatible server (base URL with or without /v1) and a model
 * name (an adapter is served under its own model name), with optional sampling overrides. {@code apiKey} is never
 * logged or stored.
 */
public record VariantTarget(String name, URI baseUrl, String model, Double temperature, Integer maxTokens, String apiKey) {
    public VariantTarget {
        if (baseUrl == null || !("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme())) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("variant.base_url must be an absolute http:// or https:// URL, got '" + baseUrl + "'");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("variant.model is required");
        }
        name = name == null || name.isBlank() ? model : name;
        if (temperature != null && !(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("variant.temperature must be between 0 and 2, got " + temperature);
        }
        if (maxTokens != null && (maxTokens < 1 || maxTokens > 131_072)) {
            throw new IllegalArgumentException("variant.max_tokens must be between 1 and 131072, got " + maxTokens);
        }
        apiKey = apiKey == null ? "" : apiKey;
    }

    @Override
    public String toString() {
        return "VariantTarget[" + name + ", " + baseUrl + ", model=" + model + "]";
    }
}
