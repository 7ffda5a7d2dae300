package dev.flywheel.ingest.feedback;

import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Random (version 4) UUIDs for feedback that arrives without an idempotency key. The generator is injected: seeded
 * in tests so ids replay, seeded from {@link java.security.SecureRandom} in production so replicas never collide.
 * Thread-safe (requests are served concurrently; most RandomGenerators are not).
 */
public final class EventIds {
    private final RandomGenerator random;

    public EventIds(RandomGenerator random) {
        this.random = random;
    }

    public synchronized String next() {
        long msb = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L; // version 4
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb).toString();
    }
}
