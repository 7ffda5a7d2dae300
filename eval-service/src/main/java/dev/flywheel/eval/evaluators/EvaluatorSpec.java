package dev.flywheel.eval.evaluators;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The closed set of evaluator kinds and their configuration (the {@code config} object of a definition; JSON
 * field names are the snake_case of the record components). Each record checks itself and throws
 * {@link DefinitionException} naming the field. Compilation into a runnable {@link Evaluator} is
 * {@link EvaluatorCompiler}'s job, which also does the checks that need context (schemas, formulas, references).
 */
public sealed interface EvaluatorSpec {

    /** The wire name of this kind ({@code type} in a definition). */
    String type();

    /** Wire name → record class, for parsing. */
    Map<String, Class<? extends EvaluatorSpec>> KINDS = Map.ofEntries(
            Map.entry("string_match", StringMatch.class),
            Map.entry("regex", RegexMatch.class),
            Map.entry("json_valid", JsonValid.class),
            Map.entry("json_schema", JsonSchema.class),
            Map.entry("numeric", NumericAnswer.class),
            Map.entry("length", LengthBounds.class),
            Map.entry("latency", LatencyBound.class),
            Map.entry("cost", CostBound.class),
            Map.entry("edit_distance", EditDistance.class),
            Map.entry("token_f1", TokenF1.class),
            Map.entry("rouge_l", RougeL.class),
            Map.entry("embedding_cosine", EmbeddingCosine.class),
            Map.entry("http", Http.class),
            Map.entry("llm_judge", LlmJudge.class),
            Map.entry("composite", Composite.class));

    /** String check against {@code value}, or against the reference when value is absent. ops: eq, ne, contains, not_contains. */
    record StringMatch(String op, String value, Boolean caseInsensitive, Boolean trim) implements EvaluatorSpec {
        public StringMatch {
            op = op == null ? "eq" : op.toLowerCase(Locale.ROOT);
            if (!List.of("eq", "ne", "contains", "not_contains").contains(op)) {
                throw new DefinitionException("config.op", "must be one of eq, ne, contains, not_contains, got '" + op + "'");
            }
            caseInsensitive = caseInsensitive != null && caseInsensitive;
            trim = trim == null || trim;
        }
        public String type() { return "string_match"; }
    }

    /** 1 when the pattern is found (mode find) or matches the whole completion (mode full); expect_match=false inverts. */
    record RegexMatch(String pattern, String mode, Boolean caseInsensitive, Boolean expectMatch) implements EvaluatorSpec {
        public RegexMatch {
            if (pattern == null || pattern.isEmpty()) {
                throw new DefinitionException("config.pattern", "is required (a Java regular expression)");
            }
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new DefinitionException("config.pattern", "is not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
            }
            mode = mode == null ? "find" : mode.toLowerCase(Locale.ROOT);
            if (!mode.equals("find") && !mode.equals("full")) {
                throw new DefinitionException("config.mode", "must be find or full, got '" + mode + "'");
            }
            caseInsensitive = caseInsensitive != null && caseInsensitive;
            expectMatch = expectMatch == null || expectMatch;
        }
        public String type() { return "regex"; }
    }

    /** 1 when the completion is exactly one JSON value (optionally inside a ```json fence). */
    record JsonValid(Boolean allowFence) implements EvaluatorSpec {
        public JsonValid {
            allowFence = allowFence != null && allowFence;
        }
        public String type() { return "json_valid"; }
    }

    /** 1 when the completion is JSON valid against {@code schema} (draft 2020-12 unless the schema says $schema). */
    record JsonSchema(Map<String, Object> schema, Boolean allowFence) implements EvaluatorSpec {
        public JsonSchema {
            if (schema == null) {
                throw new DefinitionException("config.schema", "is required (a JSON Schema object)");
            }
            schema = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(schema));
            allowFence = allowFence != null && allowFence;
        }
        public String type() { return "json_schema"; }
    }

    /**
     * The number in the completion (the last one by default) against {@code expected}, or the number in the
     * reference. Passes within |a-b| <= tolerance or |a-b| <= relative_tolerance*|b|.
     */
    record NumericAnswer(Double expected, Double tolerance, Double relativeTolerance, String position) implements EvaluatorSpec {
        public NumericAnswer {
            tolerance = tolerance == null ? 1e-9 : tolerance;
            relativeTolerance = relativeTolerance == null ? 0.0 : relativeTolerance;
            if (!(tolerance >= 0) || !(relativeTolerance >= 0)) {
                throw new DefinitionException("config.tolerance", "tolerance and relative_tolerance must be >= 0");
            }
            if (expected != null && !Double.isFinite(expected)) {
                throw new DefinitionException("config.expected", "must be a finite number");
            }
            position = position == null ? "last" : position.toLowerCase(Locale.ROOT);
            if (!position.equals("last") && !position.equals("first")) {
                throw new DefinitionException("config.position", "must be first or last, got '" + position + "'");
            }
        }
        public String type() { return "numeric"; }
    }

    /** Length and format bounds: characters (code points), whitespace-separated words, lines. Absent bounds are open. */
    record LengthBounds(Integer minChars, Integer maxChars, Integer minWords, Integer maxWords,
                        Integer minLines, Integer maxLines) implements EvaluatorSpec {
        public LengthBounds {
            bounds("chars", minChars, maxChars);
            bounds("words", minWords, maxWords);
            bounds("lines", minLines, maxLines);
            if (minChars == null && maxChars == null && minWords == null && maxWords == null && minLines == null && maxLines == null) {
                throw new DefinitionException("config", "length needs at least one of min/max _chars, _words, _lines");
            }
        }
        public String type() { return "length"; }
    }

    /** 1 when latency_ms <= max_latency_ms and ttft_ms <= max_ttft_ms (absent bounds are open). */
    record LatencyBound(Double maxLatencyMs, Double maxTtftMs) implements EvaluatorSpec {
        public LatencyBound {
            positive("config.max_latency_ms", maxLatencyMs);
            positive("config.max_ttft_ms", maxTtftMs);
            if (maxLatencyMs == null && maxTtftMs == null) {
                throw new DefinitionException("config", "latency needs max_latency_ms or max_ttft_ms");
            }
        }
        public String type() { return "latency"; }
    }

    /** 1 when cost <= max_cost and prompt+completion tokens <= max_total_tokens. */
    record CostBound(Double maxCost, Long maxTotalTokens) implements EvaluatorSpec {
        public CostBound {
            positive("config.max_cost", maxCost);
            if (maxTotalTokens != null && maxTotalTokens < 0) {
                throw new DefinitionException("config.max_total_tokens", "must be >= 0, got " + maxTotalTokens);
            }
            if (maxCost == null && maxTotalTokens == null) {
                throw new DefinitionException("config", "cost needs max_cost or max_total_tokens");
            }
        }
        public String type() { return "cost"; }
    }

    /** 1 - Levenshtein(completion, reference) / max length, over Unicode code points. */
    record EditDistance(Boolean caseInsensitive) implements EvaluatorSpec {
        public EditDistance {
            caseInsensitive = caseInsensitive != null && caseInsensitive;
        }
        public String type() { return "edit_distance"; }
    }

    /** SQuAD-style token F1 between completion and reference (lower-cased letter/digit tokens). */
    record TokenF1() implements EvaluatorSpec {
        public String type() { return "token_f1"; }
    }

    /** ROUGE-L F-measure (longest common token subsequence) between completion and reference. */
    record RougeL() implements EvaluatorSpec {
        public String type() { return "rouge_l"; }
    }

    /** Cosine similarity of the completion's and reference's embeddings from the configured embedding backend. */
    record EmbeddingCosine(String model) implements EvaluatorSpec {
        public String type() { return "embedding_cosine"; }
    }

    /**
     * POSTs {request_id, prompt, completion, reference, attributes} to {@code url} and reads {"score": n, "reason":
     * "...", "metrics": {...}}. Per attempt timeout, retries with exponential backoff on 5xx/429/IO errors, at most
     * {@code max_concurrency} calls in flight, and a circuit breaker that opens after {@code breaker_failures}
     * consecutive failures for {@code breaker_open_ms}.
     */
    record Http(URI url, Integer timeoutMs, Integer maxRetries, Integer backoffMs, Integer maxConcurrency,
                Integer breakerFailures, Integer breakerOpenMs) implements EvaluatorSpec {
        public Http {
            if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new DefinitionException("config.url", "must be an absolute http:// or https:// URL, got '" + url + "'");
            }
            timeoutMs = range("config.timeout_ms", timeoutMs, 2000, 1, 600_000);
            maxRetries = range("config.max_retries", maxRetries, 2, 0, 10);
            backoffMs = range("config.backoff_ms", backoffMs, 100, 0, 60_000);
            maxConcurrency = range("config.max_concurrency", maxConcurrency, 256, 1, 10_000);
            breakerFailures = range("config.breaker_failures", breakerFailures, 5, 1, 1_000);
            breakerOpenMs = range("config.breaker_open_ms", breakerOpenMs, 30_000, 1, 3_600_000);
        }
        public String type() { return "http"; }
    }

    /**
     * A rubric sent to an OpenAI-compatible chat model (the configured judge backend unless base_url is given).
     * The judge must answer {"score": n, "reasoning": "..."}; the score is clamped to [min_score, max_score].
     * Placeholders in the rubric: {{prompt}}, {{completion}}, {{reference}}.
     */
    record LlmJudge(String rubric, String model, URI baseUrl, Double minScore, Double maxScore,
                    Integer timeoutMs, Integer maxRetries) implements EvaluatorSpec {
        public LlmJudge {
            if (rubric == null || rubric.isBlank()) {
                throw new DefinitionException("config.rubric", "is required (the grading instructions)");
            }
            if (rubric.length() > 32_768) {
                throw new DefinitionException("config.rubric", "must be at most 32768 characters, got " + rubric.length());
            }
            if (baseUrl != null && !("http".equals(baseUrl.getScheme()) || "https".equals(baseUrl.getScheme()))) {
                throw new DefinitionException("config.base_url", "must be an http:// or https:// URL, got '" + baseUrl + "'");
            }
            minScore = minScore == null ? 0.0 : minScore;
            maxScore = maxScore == null ? 1.0 : maxScore;
            if (!Double.isFinite(minScore) || !Double.isFinite(maxScore) || !(minScore < maxScore)) {
                throw new DefinitionException("config.max_score", "min_score must be < max_score, got " + minScore + " .. " + maxScore);
            }
            timeoutMs = range("config.timeout_ms", timeoutMs, 30_000, 1, 600_000);
            maxRetries = range("config.max_retries", maxRetries, 1, 0, 10);
        }
        public String type() { return "llm_judge"; }
    }

    /** One input of a composite: an evaluator id, its version (pinned to the latest when the composite is created), a weight. */
    record Component(String evaluator, Integer version, Double weight) {
        public Component {
            if (evaluator == null || evaluator.isBlank()) {
                throw new DefinitionException("config.components[].evaluator", "is required");
            }
            if (version != null && version < 1) {
                throw new DefinitionException("config.components[].version", "must be >= 1, got " + version);
            }
            weight = weight == null ? 1.0 : weight;
            if (!Double.isFinite(weight)) {
                throw new DefinitionException("config.components[].weight", "must be a finite number");
            }
        }
        public Component pinned(int v) {
            return new Component(evaluator, v, weight);
        }
    }

    /** mode weighted: sum of weight * component score; mode formula: an exp4j expression over component ids. */
    record Composite(String mode, List<Component> components, String formula) implements EvaluatorSpec {
        public Composite {
            mode = mode == null ? (formula == null ? "weighted" : "formula") : mode.toLowerCase(Locale.ROOT);
            if (!mode.equals("weighted") && !mode.equals("formula")) {
                throw new DefinitionException("config.mode", "must be weighted or formula, got '" + mode + "'");
            }
            if (components == null || components.isEmpty()) {
                throw new DefinitionException("config.components", "needs at least one component evaluator");
            }
            components = List.copyOf(components);
            if (mode.equals("formula") && (formula == null || formula.isBlank())) {
                throw new DefinitionException("config.formula", "is required when mode is formula");
            }
        }
        public String type() { return "composite"; }
    }

    private static void bounds(String what, Integer min, Integer max) {
        if (min != null && min < 0) {
            throw new DefinitionException("config.min_" + what, "must be >= 0, got " + min);
        }
        if (max != null && max < 0) {
            throw new DefinitionException("config.max_" + what, "must be >= 0, got " + max);
        }
        if (min != null && max != null && min > max) {
            throw new DefinitionException("config.max_" + what, "must be >= min_" + what + ", got " + min + " > " + max);
        }
    }

    private static void positive(String field, Double v) {
        if (v != null && !(v >= 0 && Double.isFinite(v))) {
            throw new DefinitionException(field, "must be a finite number >= 0, got " + v);
        }
    }

    private static int range(String field, Integer v, int fallback, int min, int max) {
        int x = v == null ? fallback : v;
        if (x < min || x > max) {
            throw new DefinitionException(field, "must be between " + min + " and " + max + ", got " + x);
        }
        return x;
    }
}
