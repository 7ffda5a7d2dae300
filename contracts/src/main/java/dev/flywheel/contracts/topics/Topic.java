package dev.flywheel.contracts.topics;

import java.util.Objects;

/**
 * A Kafka topic of the contract. {@code compacted} topics hold the current record per key (experiment and model
 * state); the others are append-only event streams. {@code dlq} is the topic's dead-letter twin, which receives the
 * raw bytes of a rejected record with the reason in headers ({@link DeadLetters}).
 */
public record Topic(String name, boolean compacted, String dlq) {
    public Topic {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("topic name must match [A-Za-z0-9._-]{1,200}, got '" + name + "'");
        }
        Objects.requireNonNull(dlq, "dlq");
    }
}
