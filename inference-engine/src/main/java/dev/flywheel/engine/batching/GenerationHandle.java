package dev.flywheel.engine.batching;

import java.util.concurrent.atomic.AtomicBoolean;

/** A submitted request. {@link #cancel()} ends it at the next engine step, freeing its KV blocks. */
public final class GenerationHandle {
    private final String id;
    private final AtomicBoolean cancelled;

    GenerationHandle(String id, AtomicBoolean cancelled) {
        this.id = id;
        this.cancelled = cancelled;
    }

    public String id() {
        return id;
    }

    public void cancel() {
        cancelled.set(true);
    }
}
