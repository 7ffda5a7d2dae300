package dev.flywheel.eval.evaluators;

/**
 * A compiled evaluator: a pure function of its input, safe to call from many threads at once. Implementations may
 * throw; {@link CompiledEvaluator} turns any exception into an error result so callers never see one.
 */
@FunctionalInterface
public interface Evaluator {
    EvalResult evaluate(EvalInput input) throws Exception;
}
