package dev.flywheel.contracts.topics;

import java.util.Objects;

/**
 * A Kafka topic of the contract, of a {@link Kind}. {@code dlq} is the topic's dead-letter twin, which receives the
 * raw bytes of a rejected record with the reason in headers ({@link DeadLetters}).
 */
public record Topic(String name, Kind kind, String dlq) {
    /** How a topic keeps its records ({@link TopicAdmin} creates it so). */
    public enum Kind {
        /** Append-only events: several partitions, the broker's time retention. */
        STREAM,
        /** Entity state, one partition, compacted: the last record per key (the model registry). */
        COMPACTED_STATE,
        /**
         * Entity state, one partition, every write kept (no compaction, unlimited retention): readers apply the log in
         * order as a compare-and-set, and compaction, which keeps the last record per key, could keep a losing write
         * (the experiments). State changes are rare and small, so the log stays small.
         */
        LOGGED_STATE
    }

    public Topic {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("topic name must match [A-Za-z0-9._-]{1,200}, got '" + name + "'");
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dlq, "dlq");
    }

    /** A state topic (one partition, one key per entity), whether compacted or not. */
    public boolean state() {
        return kind != Kind.STREAM;
    }
}
