package dev.flywheel.eval.runs;

import java.util.List;

/**
 * An offline run: every item of {@code datasetId} is sent {@code repeats} times to {@code variant} (repeats > 1
 * for pass@k; give the variant a temperature above 0), each completion is scored by every evaluator, and at most
 * {@code concurrency} generations are in flight.
 */
public record RunSpec(String datasetId, VariantTarget variant, List<EvaluatorRef> evaluators, int repeats, int concurrency) {
    public RunSpec {
        if (datasetId == null || datasetId.isBlank()) {
            throw new IllegalArgumentException("dataset_id is required");
        }
        if (variant == null) {
            throw new IllegalArgumentException("variant is required");
        }
        if (evaluators == null || evaluators.isEmpty()) {
            throw new IllegalArgumentException("evaluators must name at least one evaluator");
        }
        evaluators = List.copyOf(evaluators);
        if (repeats < 1 || repeats > 100) {
            throw new IllegalArgumentException("repeats must be between 1 and 100, got " + repeats);
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new IllegalArgumentException("concurrency must be between 1 and 1024, got " + concurrency);
        }
    }
}
