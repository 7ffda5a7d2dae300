package dev.flywheel.eval.registry;

/** The request conflicts with the registry's state (the id exists already, the evaluator is disabled, or
 * another writer changed it first): a 409. */
public final class EvaluatorConflictException extends RuntimeException {
    private final String evaluatorId;

    public EvaluatorConflictException(String evaluatorId, String message) {
        super(message);
        this.evaluatorId = evaluatorId;
    }

    /** A write that another writer (another replica) beat to the evaluator's next revision; nothing was stored. */
    public static EvaluatorConflictException concurrentChange(EvaluatorRecord lost, long storedRevision) {
        return new EvaluatorConflictException(lost.id(), "evaluator '" + lost.id() + "' was changed by another writer meanwhile"
                + " (stored revision " + storedRevision + ", this change was based on " + (lost.revision() - 1)
                + "); nothing was stored: read it again and retry");
    }

    public String evaluatorId() {
        return evaluatorId;
    }
}
