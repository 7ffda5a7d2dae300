package dev.flywheel.eval.evaluators;

import java.util.Map;

/**
 * One evaluator's verdict on one input. {@code score} is meaningful only when {@link #valid()}; {@code passed} is
 * null when the evaluator has no pass threshold or the result is not valid; {@code reason} says why (for an LLM
 * judge it holds the judge's reasoning); {@code subMetrics} carries named parts (components of a composite,
 * precision/recall of token F1, the judge's raw score).
 */
public record EvalResult(ResultStatus status, double score, Boolean passed, String reason, Map<String, Double> subMetrics) {
    public EvalResult {
        if (status == null) {
            throw new IllegalArgumentException("status is required");
        }
        if (status == ResultStatus.OK && !Double.isFinite(score)) {
            throw new IllegalArgumentException("score must be finite for a valid result, got " + score);
        }
        if (status != ResultStatus.OK) {
            score = Double.NaN;
            passed = null;
        }
        reason = reason == null ? "" : reason;
        subMetrics = subMetrics == null ? Map.of() : Map.copyOf(subMetrics);
    }

    public static EvalResult ok(double score, String reason) {
        return new EvalResult(ResultStatus.OK, score, null, reason, Map.of());
    }

    public static EvalResult ok(double score, String reason, Map<String, Double> subMetrics) {
        return new EvalResult(ResultStatus.OK, score, null, reason, subMetrics);
    }

    /** 1 when the check held, 0 otherwise. */
    public static EvalResult check(boolean held, String reason) {
        return new EvalResult(ResultStatus.OK, held ? 1.0 : 0.0, null, reason, Map.of());
    }

    public static EvalResult error(String reason) {
        return new EvalResult(ResultStatus.ERROR, Double.NaN, null, reason, Map.of());
    }

    public static EvalResult skipped(String reason) {
        return new EvalResult(ResultStatus.SKIPPED, Double.NaN, null, reason, Map.of());
    }

    public boolean valid() {
        return status == ResultStatus.OK;
    }

    /** The same result judged against a pass threshold (score >= threshold); null threshold leaves passed null. */
    public EvalResult withThreshold(Double threshold) {
        if (threshold == null || !valid()) {
            return this;
        }
        return new EvalResult(status, score, score >= threshold, reason, subMetrics);
    }
}
