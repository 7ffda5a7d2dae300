package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.flywheel.splitter.experiments.internal.Fields;
import java.util.Set;

/**
 * A metric the experiment is judged on. Names: {@link #BUILT_IN} plus {@code score:<evaluator_id>}. A guardrail with
 * an {@code absoluteLimit} fails when the treatment crosses it in the bad {@code direction} (e.g. error_rate with
 * LOWER_IS_BETTER and limit 0.05 fails above 5 %); {@code observeOnly} metrics are reported but never decide.
 */
public record MetricSpec(String metric, Direction direction, Double absoluteLimit, boolean observeOnly) {
    public static final Set<String> BUILT_IN = Set.of(
            "error_rate", "fallback_rate", "latency_p50", "latency_p95", "latency_p99", "tokens_per_request",
            "cost_per_request", "feedback:thumbs_up_rate", "feedback:mean_rating", "feedback:conversion_rate");
    public static final String SCORE_PREFIX = "score:";

    public MetricSpec {
        Fields.required("metric", metric, 128);
        boolean known = BUILT_IN.contains(metric)
                || (metric.startsWith(SCORE_PREFIX) && metric.length() > SCORE_PREFIX.length()
                && metric.substring(SCORE_PREFIX.length()).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"));
        if (!known) {
            throw new InvalidExperimentException("metric", "must be one of " + String.join(", ", BUILT_IN.stream().sorted().toList())
                    + " or score:<evaluator_id>, got '" + metric + "'");
        }
        Fields.present("direction", direction);
        if (absoluteLimit != null && !Double.isFinite(absoluteLimit)) {
            throw new InvalidExperimentException("absolute_limit", "must be a finite number or absent, got " + absoluteLimit);
        }
    }

    /** JSON creator: {@code absolute_limit} and {@code observe_only} may be absent (none, false). */
    @JsonCreator
    static MetricSpec fromJson(@JsonProperty("metric") String metric, @JsonProperty("direction") Direction direction,
                               @JsonProperty("absolute_limit") Double absoluteLimit, @JsonProperty("observe_only") Boolean observeOnly) {
        return new MetricSpec(metric, direction, absoluteLimit, observeOnly != null && observeOnly);
    }

    /** The evaluator id of a {@code score:<id>} metric, or empty for the others. */
    public String evaluatorId() {
        return metric.startsWith(SCORE_PREFIX) ? metric.substring(SCORE_PREFIX.length()) : "";
    }
}
