package dev.flywheel.eval.registry;

import dev.flywheel.eval.evaluators.EvaluatorDefinition;
import java.util.List;
import java.util.Optional;

/**
 * Everything the registry knows about one evaluator id: its versions in order (1, 2, ...; each immutable), and
 * whether it is disabled (a disabled evaluator keeps its versions and history but scores no live traffic and is
 * refused for new runs). {@code revision} increases with every change; it is the record version on the compacted
 * topic.
 */
public record EvaluatorRecord(String id, List<EvaluatorDefinition> versions, boolean disabled, long revision, long updatedAtMs) {
    public EvaluatorRecord {
        if (versions == null || versions.isEmpty()) {
            throw new IllegalArgumentException("an evaluator record needs at least one version: " + id);
        }
        versions = List.copyOf(versions);
        for (int i = 0; i < versions.size(); i++) {
            EvaluatorDefinition d = versions.get(i);
            if (!d.id().equals(id) || d.version() != i + 1) {
                throw new IllegalArgumentException("version " + (i + 1) + " of " + id + " is " + d.ref());
            }
        }
    }

    public EvaluatorDefinition latest() {
        return versions.getLast();
    }

    public Optional<EvaluatorDefinition> version(int v) {
        return v >= 1 && v <= versions.size() ? Optional.of(versions.get(v - 1)) : Optional.empty();
    }

    EvaluatorRecord withVersion(EvaluatorDefinition next, long nowMs) {
        var all = new java.util.ArrayList<>(versions);
        all.add(next);
        return new EvaluatorRecord(id, all, disabled, revision + 1, nowMs);
    }

    EvaluatorRecord withDisabled(boolean value, long nowMs) {
        return new EvaluatorRecord(id, versions, value, revision + 1, nowMs);
    }
}
