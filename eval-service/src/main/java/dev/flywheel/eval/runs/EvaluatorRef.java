package dev.flywheel.eval.runs;

/** An evaluator to run: its id and a version (null = the latest when the run starts; the run records the version). */
public record EvaluatorRef(String id, Integer version) {
    public EvaluatorRef {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("evaluators[].id is required");
        }
        if (version != null && version < 1) {
            throw new IllegalArgumentException("evaluators[].version must be >= 1, got " + version);
        }
    }
}
