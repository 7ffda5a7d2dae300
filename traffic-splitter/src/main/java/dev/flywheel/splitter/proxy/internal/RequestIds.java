package dev.flywheel.splitter.proxy.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Request ids for requests that come without one: {@code req-<16 hex: this instance>-<hex counter>}. Unique within the
 * process by the counter and across replicas and restarts by the 64-bit random instance part, without the
 * per-request SecureRandom read (and its lock) that {@code UUID.randomUUID()} costs. Thread-safe.
 */
public final class RequestIds {
    private final String prefix;
    private final AtomicLong counter = new AtomicLong();

    public RequestIds(RandomGenerator random) {
        this.prefix = "req-" + String.format("%016x", random.nextLong()) + "-";
    }

    public String next() {
        return prefix + Long.toHexString(counter.incrementAndGet());
    }
}
