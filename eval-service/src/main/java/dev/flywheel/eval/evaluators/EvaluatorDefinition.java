package dev.flywheel.eval.evaluators;

import java.util.regex.Pattern;

/**
 * One immutable version of an evaluator: what it computes ({@code spec}), the pass threshold (score >= threshold
 * passes; null means no pass/fail), and which live traffic it samples. Scores record (id, version), so a version
 * never changes once created; a change is a new version. Ids are identifiers ({@code [a-z][a-z0-9_]{0,63}}) so a
 * composite formula can name them.
 */
public record EvaluatorDefinition(
        String id,
        int version,
        String description,
        EvaluatorSpec spec,
        Double passThreshold,
        Sampling sampling,
        long createdAtMs) {

    public static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    public EvaluatorDefinition {
        if (id == null || !ID.matcher(id).matches()) {
            throw new DefinitionException("id", "must match [a-z][a-z0-9_]{0,63} (lower-case identifier), got '" + id + "'");
        }
        if (version < 1) {
            throw new DefinitionException("version", "must be >= 1, got " + version);
        }
        description = description == null ? "" : description;
        if (description.length() > 4096) {
            throw new DefinitionException("description", "must be at most 4096 characters");
        }
        if (spec == null) {
            throw new DefinitionException("type", "is required");
        }
        if (passThreshold != null && !Double.isFinite(passThreshold)) {
            throw new DefinitionException("pass_threshold", "must be a finite number");
        }
        sampling = sampling == null ? Sampling.NONE : sampling;
    }

    public String type() {
        return spec.type();
    }

    /** The (id, version) pair scores are recorded under. */
    public String ref() {
        return id + "@" + version;
    }
}
