package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.flywheel.splitter.experiments.internal.Fields;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One arm of an experiment: where its requests go ({@code backendUrl}, the base URL of an OpenAI-compatible server,
 * e.g. {@code http://127.0.0.1:8000}; the proxy appends {@code /v1/chat/completions}), which model name to ask for
 * (a base model or a LoRA adapter served under its own name), request parameters it overrides, and its price in
 * cost units per 1,000 tokens (prompt + completion).
 *
 * <p>Overrides allowed (anything else is rejected so that a typo never silently does nothing): temperature [0, 2],
 * top_p (0, 1], max_tokens >= 1, presence_penalty and frequency_penalty [-2, 2], seed (integer), stop (string or
 * list of strings), system_prompt (string; replaces or inserts the system message).
 */
public record Variant(String id, URI backendUrl, String model, Map<String, Object> overrides,
                      @JsonProperty("cost_per_1k_tokens") double costPer1kTokens) {
    public static final Set<String> OVERRIDE_KEYS = Set.of(
            "temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty", "seed", "stop", "system_prompt");

    public Variant {
        Fields.id("id", id);
        Fields.present("backend_url", backendUrl);
        if (!("http".equals(backendUrl.getScheme()) || "https".equals(backendUrl.getScheme()))
                || backendUrl.getHost() == null || backendUrl.getRawQuery() != null || backendUrl.getRawFragment() != null) {
            throw new InvalidExperimentException("backend_url",
                    "must be an absolute http(s) URL with a host and no query, e.g. http://127.0.0.1:8000, got '" + backendUrl + "'");
        }
        Fields.required("model", model, 256);
        overrides = checkOverrides(overrides);
        if (!Double.isFinite(costPer1kTokens) || costPer1kTokens < 0) {
            throw new InvalidExperimentException("cost_per_1k_tokens", "must be a finite number >= 0, got " + costPer1kTokens);
        }
    }

    /** JSON creator: {@code overrides} and {@code cost_per_1k_tokens} may be absent (none, 0). */
    @JsonCreator
    static Variant fromJson(@JsonProperty("id") String id, @JsonProperty("backend_url") URI backendUrl,
                            @JsonProperty("model") String model, @JsonProperty("overrides") Map<String, Object> overrides,
                            @JsonProperty("cost_per_1k_tokens") Double costPer1kTokens) {
        return new Variant(id, backendUrl, model, overrides, costPer1kTokens == null ? 0.0 : costPer1kTokens);
    }

    private static Map<String, Object> checkOverrides(Map<String, Object> in) {
        if (in == null || in.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : in.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            String field = "overrides." + key;
            if (!OVERRIDE_KEYS.contains(key)) {
                throw new InvalidExperimentException(field, "is not a supported override; allowed: " + String.join(", ", OVERRIDE_KEYS.stream().sorted().toList()));
            }
            switch (key) {
                case "temperature" -> range(field, v, 0, 2);
                case "top_p" -> {
                    double d = range(field, v, 0, 1);
                    if (d == 0) throw new InvalidExperimentException(field, "must be in (0, 1], got 0");
                }
                case "presence_penalty", "frequency_penalty" -> range(field, v, -2, 2);
                case "max_tokens" -> {
                    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1) {
                        throw new InvalidExperimentException(field, "must be an integer >= 1, got " + v);
                    }
                }
                case "seed" -> {
                    if (!(v instanceof Integer || v instanceof Long)) {
                        throw new InvalidExperimentException(field, "must be an integer, got " + v);
                    }
                }
                case "stop" -> {
                    boolean ok = v instanceof String || (v instanceof java.util.List<?> l && !l.isEmpty() && l.size() <= 4
                            && l.stream().allMatch(x -> x instanceof String));
                    if (!ok) throw new InvalidExperimentException(field, "must be a string or a list of 1-4 strings");
                }
                case "system_prompt" -> {
                    if (!(v instanceof String s)) throw new InvalidExperimentException(field, "must be a string");
                    Fields.text(field, s, 64 * 1024);
                }
                default -> throw new IllegalStateException("unhandled override " + key);
            }
            out.put(key, v);
        }
        return Collections.unmodifiableMap(out);
    }

    private static double range(String field, Object v, double lo, double hi) {
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < lo || n.doubleValue() > hi) {
            throw new InvalidExperimentException(field, "must be a number in [" + lo + ", " + hi + "], got " + v);
        }
        return n.doubleValue();
    }
}
