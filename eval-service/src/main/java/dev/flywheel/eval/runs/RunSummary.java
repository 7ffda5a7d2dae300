package dev.flywheel.eval.runs;

import java.util.List;

/** The state and aggregates of one run. */
public record RunSummary(
        String runId,
        String datasetId,
        String variantName,
        String model,
        int repeats,
        int items,
        RunStatus status,
        String error,
        List<EvaluatorSummary> evaluators,
        long startedAtMs,
        long finishedAtMs) {

    public RunSummary {
        evaluators = evaluators == null ? List.of() : List.copyOf(evaluators);
        error = error == null ? "" : error;
    }
}
