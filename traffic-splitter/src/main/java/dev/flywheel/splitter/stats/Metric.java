package dev.flywheel.splitter.stats;

/**
 * A metric the statistics engine computes, named as in an experiment's metric specs: the built-in request metrics
 * ({@link Builtin}) and one mean score per evaluator ({@link Score}, {@code "score:<evaluator_id>"}).
 */
public sealed interface Metric permits Metric.Builtin, Metric.Score {

    /** The name used in metric specs, results and decisions ({@code "error_rate"}, {@code "score:exact_match"}). */
    String id();

    /** Parses a metric name; the error names the field and lists what is accepted. */
    static Metric parse(String field, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(field + " is required: one of " + Builtin.names() + " or score:<evaluator_id>");
        }
        if (name.startsWith("score:")) {
            return new Score(name.substring("score:".length()));
        }
        for (Builtin b : Builtin.values()) {
            if (b.wire.equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException(field + " must be one of " + Builtin.names() + " or score:<evaluator_id>, got '" + name + "'");
    }

    /** Metrics computed from inference events (and feedback joined on request id). */
    enum Builtin implements Metric {
        ERROR_RATE("error_rate"),
        FALLBACK_RATE("fallback_rate"),
        /**
         * Latency quantiles. The reported value is the arm's quantile (ms); the comparison is on the share of
         * requests slower than control's quantile (e.g. for p95 control sits near 0.05 and a slower treatment
         * above it), a per-request proportion that has a variance, stratifies by stage and tests sequentially.
         */
        LATENCY_P50("latency_p50"),
        LATENCY_P95("latency_p95"),
        LATENCY_P99("latency_p99"),
        TOKENS_PER_REQUEST("tokens_per_request"),
        COST_PER_REQUEST("cost_per_request"),
        /** Thumbs-up events / thumbs events. */
        THUMBS_UP_RATE("feedback:thumbs_up_rate"),
        /** Sum of ratings / number of ratings (1..5). */
        MEAN_RATING("feedback:mean_rating"),
        /** Requests with a conversion / requests. */
        CONVERSION_RATE("feedback:conversion_rate");

        private final String wire;

        Builtin(String wire) {
            this.wire = wire;
        }

        @Override
        public String id() {
            return wire;
        }

        /** The quantile of a latency metric (0.5, 0.95, 0.99), or NaN for the others. */
        public double quantile() {
            return switch (this) {
                case LATENCY_P50 -> 0.5;
                case LATENCY_P95 -> 0.95;
                case LATENCY_P99 -> 0.99;
                default -> Double.NaN;
            };
        }

        static String names() {
            StringBuilder b = new StringBuilder();
            for (Builtin m : values()) {
                b.append(b.isEmpty() ? "" : ", ").append(m.wire);
            }
            return b.toString();
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    /** Mean score of one evaluator over the requests it scored with status ok. */
    record Score(String evaluatorId) implements Metric {
        public Score {
            if (evaluatorId == null || !evaluatorId.matches("[A-Za-z0-9._:-]{1,128}")) {
                throw new IllegalArgumentException("metric score:<evaluator_id> needs an evaluator id of 1-128 of [A-Za-z0-9._:-], got '"
                        + evaluatorId + "'");
            }
        }

        @Override
        public String id() {
            return "score:" + evaluatorId;
        }
    }
}
