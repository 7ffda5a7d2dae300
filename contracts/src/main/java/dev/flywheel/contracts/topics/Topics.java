package dev.flywheel.contracts.topics;

import java.util.List;

/**
 * The topic names of the contract, optionally under a namespace prefix (for several environments on one cluster,
 * and for isolating integration tests). One schema version per topic name; a breaking change gets a new name.
 */
public record Topics(String prefix) {
    public static final String INFERENCE = "llm.inference.v1";
    public static final String FEEDBACK = "llm.feedback.v1";
    public static final String SCORES = "llm.scores.v1";
    public static final String EXPERIMENTS = "flywheel.experiments.v1";
    public static final String MODELS = "flywheel.models.v1";
    public static final String DLQ_SUFFIX = ".dlq";

    public Topics {
        prefix = prefix == null ? "" : prefix;
        if (!prefix.isEmpty() && !prefix.matches("[A-Za-z0-9_-]{1,64}\\.")) {
            throw new IllegalArgumentException("topic prefix must be 1-64 of [A-Za-z0-9_-] followed by '.', got '" + prefix + "'");
        }
    }

    /** The production names, without a prefix. */
    public static Topics standard() {
        return new Topics("");
    }

    public Topic inference() { return topic(INFERENCE, Topic.Kind.STREAM); }

    public Topic feedback() { return topic(FEEDBACK, Topic.Kind.STREAM); }

    public Topic scores() { return topic(SCORES, Topic.Kind.STREAM); }

    public Topic experiments() { return topic(EXPERIMENTS, Topic.Kind.LOGGED_STATE); }

    public Topic models() { return topic(MODELS, Topic.Kind.COMPACTED_STATE); }

    /** Every topic of the contract (not the DLQs). */
    public List<Topic> all() {
        return List.of(inference(), feedback(), scores(), experiments(), models());
    }

    private Topic topic(String base, Topic.Kind kind) {
        return new Topic(prefix + base, kind, prefix + base + DLQ_SUFFIX);
    }
}
