package dev.flywheel.retrain.runs;

import java.util.Optional;

/**
 * At most one run per base model at a time. {@link #tryAcquire} returns a held lease or empty when another run of
 * that base model holds it (here or, for distributed implementations, on another replica).
 */
public interface RunLease {
    Optional<Held> tryAcquire(String baseModel, String runId);

    /** A held lease; closing releases it. */
    interface Held extends AutoCloseable {
        String baseModel();

        @Override
        void close();
    }
}
