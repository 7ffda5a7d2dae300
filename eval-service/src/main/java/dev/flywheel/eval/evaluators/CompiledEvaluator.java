package dev.flywheel.eval.evaluators;

import java.util.Objects;

/**
 * A definition bound to its runnable implementation. {@link #evaluate} never throws: an exception inside the
 * evaluator becomes an error result carrying the exception's message, and the pass threshold is applied here so
 * every kind treats it the same way. Thread-safe.
 */
public final class CompiledEvaluator {
    private final EvaluatorDefinition definition;
    private final Evaluator evaluator;

    public CompiledEvaluator(EvaluatorDefinition definition, Evaluator evaluator) {
        this.definition = Objects.requireNonNull(definition, "definition");
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
    }

    public EvaluatorDefinition definition() {
        return definition;
    }

    /** The implementation (for inspection in tests and benchmarks, e.g. an http evaluator's breaker). */
    public Evaluator implementation() {
        return evaluator;
    }

    public EvalResult evaluate(EvalInput input) {
        EvalResult result;
        try {
            result = evaluator.evaluate(input);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EvalResult.error("interrupted (timed out or shutting down)");
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            // Reported as an invalid score with the cause; the caller keeps going with the next input.
            return EvalResult.error(definition.type() + " evaluator failed: " + e);
        }
        if (result == null) {
            return EvalResult.error(definition.type() + " evaluator returned no result");
        }
        return result.withThreshold(definition.passThreshold());
    }
}
