package dev.flywheel.eval.registry;

/** The request conflicts with the registry's state (the id exists already, or the evaluator is disabled): a 409. */
public final class EvaluatorConflictException extends RuntimeException {
    private final String evaluatorId;

    public EvaluatorConflictException(String evaluatorId, String message) {
        super(message);
        this.evaluatorId = evaluatorId;
    }

    public String evaluatorId() {
        return evaluatorId;
    }
}
