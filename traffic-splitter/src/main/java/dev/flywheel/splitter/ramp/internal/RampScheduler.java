package dev.flywheel.splitter.ramp.internal;

import dev.flywheel.splitter.ramp.RampConfig;
import dev.flywheel.splitter.ramp.RampController;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link RampController#tick()} every tick interval on one thread (ticks never overlap). */
public final class RampScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RampScheduler.class);

    private final ScheduledExecutorService executor;

    public RampScheduler(RampController controller, RampConfig config) {
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("ramp-tick").factory());
        if (config.enabled()) {
            long ms = config.tickInterval().toMillis();
            executor.scheduleWithFixedDelay(() -> {
                try {
                    var report = controller.tick();
                    if (!report.failures().isEmpty()) {
                        LOG.warn("ramp tick: {} decisions, {} experiments failed (retried next tick)", report.decisions().size(),
                                report.failures().size());
                    }
                } catch (RuntimeException e) {
                    // A failed tick must not cancel the schedule; the next one retries.
                    LOG.error("ramp tick failed; retrying in {} ms", ms, e);
                }
            }, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
