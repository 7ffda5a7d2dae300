package dev.flywheel.eval.registry;

/** No evaluator (or no such version) with this id: a 404, fatal for the request. */
public final class EvaluatorNotFoundException extends RuntimeException {
    private final String evaluatorId;

    public EvaluatorNotFoundException(String evaluatorId, String message) {
        super(message);
        this.evaluatorId = evaluatorId;
    }

    public String evaluatorId() {
        return evaluatorId;
    }
}
