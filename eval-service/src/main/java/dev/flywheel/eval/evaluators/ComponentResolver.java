package dev.flywheel.eval.evaluators;

import java.util.Optional;

/** Looks up a compiled evaluator version for a composite's component. */
@FunctionalInterface
public interface ComponentResolver {
    Optional<CompiledEvaluator> find(String id, int version);

    ComponentResolver NONE = (id, version) -> Optional.empty();
}
