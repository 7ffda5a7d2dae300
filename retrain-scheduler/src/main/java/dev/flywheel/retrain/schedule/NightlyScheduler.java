package dev.flywheel.retrain.schedule;

import dev.flywheel.retrain.policy.PolicyStore;
import dev.flywheel.retrain.policy.RetrainPolicy;
import dev.flywheel.retrain.runs.RetrainService;
import dev.flywheel.retrain.runs.RunConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Fires policies on their cron schedules. {@link #tick} is called periodically (every 30 s by the application);
 * a policy fires once when its next fire time (computed from the previous tick) has passed. A fire that finds a run
 * of the same base model in progress is skipped and logged, not queued. Only the replica owning the base model
 * starts it (the lease decides), so every replica may tick.
 */
public final class NightlyScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(NightlyScheduler.class);

    private final PolicyStore policies;
    private final RetrainService runs;
    private final Clock clock;
    private final Map<String, Instant> lastTick = new HashMap<>();

    public NightlyScheduler(PolicyStore policies, RetrainService runs, Clock clock) {
        this.policies = policies;
        this.runs = runs;
        this.clock = clock;
    }

    /** Returns the ids of the policies it started. */
    public synchronized java.util.List<String> tick() {
        Instant now = clock.instant();
        java.util.List<String> started = new java.util.ArrayList<>();
        for (RetrainPolicy p : policies.all()) {
            if (p.schedule().cron() == null) {
                continue;
            }
            Instant since = lastTick.getOrDefault(p.id(), now);
            lastTick.put(p.id(), now);
            Optional<Instant> due = new CronSchedule(p.schedule()).nextAfter(since);
            if (due.isPresent() && !due.get().isAfter(now) && since.isBefore(now)) {
                try {
                    runs.start(p.id(), "schedule");
                    started.add(p.id());
                } catch (RunConflictException e) {
                    LOG.warn("scheduled retrain of {} skipped: {}", p.id(), e.getMessage());
                }
            }
        }
        return started;
    }
}
