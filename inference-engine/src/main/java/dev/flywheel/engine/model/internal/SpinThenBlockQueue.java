package dev.flywheel.engine.model.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The work queue of {@link RowParallel}'s workers: a worker that finds it empty polls it for up to
 * {@code spinNanos} before blocking. A batched step meets the workers ~40 times with only a few
 * microseconds to a few tens of microseconds of caller-only work between meetings (norms, RoPE, LoRA);
 * a parked worker takes tens of microseconds to wake on this VM, so each meeting used to start on the
 * caller alone. Spinning costs the worker's core only that long, and not at all while tasks arrive.
 */
final class SpinThenBlockQueue extends LinkedBlockingQueue<Runnable> {
    private final long spinNanos;

    /** @param spinNanos how long an idle worker polls before blocking, >= 0 */
    SpinThenBlockQueue(long spinNanos) {
        if (spinNanos < 0) {
            throw new IllegalArgumentException("spinNanos must be >= 0, got " + spinNanos);
        }
        this.spinNanos = spinNanos;
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        Runnable r = spin();
        return r != null ? r : super.poll(timeout, unit);
    }

    @Override
    public Runnable take() throws InterruptedException {
        Runnable r = spin();
        return r != null ? r : super.take();
    }

    /** A task that arrives within spinNanos, else null. */
    private Runnable spin() {
        long deadline = System.nanoTime() + spinNanos;
        do {
            Runnable r = poll(); // an empty queue is one volatile read, no lock
            if (r != null) {
                return r;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - deadline < 0);
        return null;
    }
}
