package dev.flywheel.splitter.ramp;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentConflictException;
import dev.flywheel.splitter.experiments.ExperimentNotFoundException;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.ExperimentStatus;
import dev.flywheel.splitter.ramp.internal.AnalysisPlans;
import dev.flywheel.splitter.stats.ExperimentResults;
import dev.flywheel.splitter.stats.StatsEngine;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ramp controller: at every tick, for each RUNNING experiment this replica leads, computes results, applies
 * {@link RampPolicy}, performs the transition through {@link ExperimentService} as a compare-and-set on the version
 * the decision was based on, and records the decision (hold included) in the {@link DecisionLog}.
 *
 * <p>Safe by construction: state lives in the experiments topic (a restarted replica reads it back; the stage start is
 * the experiment's {@code updatedAt}), decisions are pure functions of (experiment version, data), transitions are
 * CAS on the version so a duplicate tick or a second replica during a leadership hand-over loses the race instead of
 * acting twice, and decision ids are derived from (experiment, version, decision[, tick]) so a replayed write collapses.
 */
public final class RampController {
    private static final Logger LOG = LoggerFactory.getLogger(RampController.class);

    private final ExperimentService experiments;
    private final StatsEngine stats;
    private final DecisionLog log;
    private final ExperimentLeadership leadership;
    private final RampPolicy policy;
    private final RampSettings settings;
    private final Clock clock;

    public RampController(ExperimentService experiments, StatsEngine stats, DecisionLog log, ExperimentLeadership leadership,
                          RampSettings settings, Clock clock) {
        this.experiments = experiments;
        this.stats = stats;
        this.log = log;
        this.leadership = leadership;
        this.policy = new RampPolicy(settings);
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One tick over every running experiment this replica leads. A failure on one experiment (ClickHouse down, a lost
     * CAS) is logged and does not stop the others; the failures are returned in the report.
     */
    public TickReport tick() {
        List<RampDecision> decisions = new ArrayList<>();
        List<RuntimeException> failures = new ArrayList<>();
        for (Experiment e : experiments.list()) {
            if (e.status() != ExperimentStatus.RUNNING || !leadership.leads(e.id())) {
                continue;
            }
            try {
                tick(e).ifPresent(decisions::add);
            } catch (RuntimeException ex) {
                LOG.warn("ramp tick of experiment '{}' (version {}) failed; it will be retried next tick", e.id(), e.version(), ex);
                failures.add(ex);
            }
        }
        return new TickReport(decisions, failures);
    }

    /** The decisions taken and the experiments that failed in one tick. */
    public record TickReport(List<RampDecision> decisions, List<RuntimeException> failures) {
        public TickReport {
            decisions = List.copyOf(decisions);
            failures = List.copyOf(failures);
        }
    }

    /** Decides and acts for one experiment; empty when the state moved on under the decision (retried next tick). */
    public Optional<RampDecision> tick(Experiment e) {
        long now = clock.millis();
        ExperimentResults results = stats.compute(AnalysisPlans.of(e));
        RampPolicy.Verdict v = policy.decide(e, results, now, e.updatedAt());
        String tickKey = v.kind() == DecisionKind.HOLD ? Long.toString(now / settings.tickInterval().toMillis()) : "";
        RampDecision d = new RampDecision(decisionId(e, v.kind(), tickKey), now, e.id(), e.version(), v.kind(), e.stageIndex(),
                stageAfter(e, v.kind()), trafficAfter(e, v.kind()), false, settings.actor(), v.reasons(), v.numbers(),
                v.promotedVariantId());
        try {
            apply(e, d, String.join("; ", v.reasons()));
        } catch (ExperimentConflictException conflict) {
            if (conflict.retriable()) {
                LOG.info("experiment '{}' changed under a {} decision (version {}); deciding again next tick", e.id(), d.kind().wire(), e.version());
                return Optional.empty();
            }
            throw conflict;
        }
        log.write(d);
        LOG.info("experiment '{}': {} ({})", e.id(), d.kind().wire(), d.reasons().isEmpty() ? "" : d.reasons().getFirst());
        return Optional.of(d);
    }

    /**
     * A manual override (pause, resume, advance, rollback, promote), applied as a CAS on the current version and
     * audited like an automatic decision with {@code manual = true}.
     *
     * @throws ExperimentNotFoundException when there is no such experiment
     * @throws ExperimentConflictException when the transition does not apply to the current state
     */
    public RampDecision override(String experimentId, DecisionKind kind, String promotedVariantId, String actor, String reason) {
        if (kind == DecisionKind.HOLD) {
            throw new IllegalArgumentException("action must be pause, resume, advance, rollback or promote, got hold");
        }
        Experiment e = experiments.get(experimentId).orElseThrow(() -> new ExperimentNotFoundException(experimentId));
        String variant = kind == DecisionKind.PROMOTE && (promotedVariantId == null || promotedVariantId.isBlank()) && e.treatments().size() == 1
                ? e.treatments().getFirst().id() : promotedVariantId;
        long now = clock.millis();
        List<String> reasons = List.of("manual " + kind.wire() + " by " + actor + ": " + reason);
        RampDecision d = new RampDecision(decisionId(e, kind, "manual:" + now), now, e.id(), e.version(), kind, e.stageIndex(),
                stageAfter(e, kind), trafficAfter(e, kind), true, actor, reasons,
                Map.of("stage", e.stageIndex(), "status_before", e.status().name().toLowerCase(java.util.Locale.ROOT)), variant);
        apply(e, d, reasons.getFirst());
        log.write(d);
        return d;
    }

    /** Current results of an experiment (for REST). */
    public ExperimentResults results(String experimentId) {
        Experiment e = experiments.get(experimentId).orElseThrow(() -> new ExperimentNotFoundException(experimentId));
        return stats.compute(AnalysisPlans.of(e));
    }

    /** The latest decisions of an experiment, newest first (for REST). */
    public List<RampDecision> decisions(String experimentId, int limit) {
        experiments.get(experimentId).orElseThrow(() -> new ExperimentNotFoundException(experimentId));
        return log.read(experimentId, limit);
    }

    private void apply(Experiment e, RampDecision d, String reason) {
        OptionalLong expected = OptionalLong.of(e.version());
        switch (d.kind()) {
            case HOLD -> { }
            case ADVANCE -> experiments.advance(e.id(), expected, reason);
            case ROLLBACK -> experiments.rollback(e.id(), expected, reason);
            case PROMOTE -> experiments.promote(e.id(), d.promotedVariantId().isEmpty() ? null : d.promotedVariantId(), expected, reason);
            case PAUSE -> experiments.pause(e.id(), expected, reason);
            case RESUME -> experiments.resume(e.id(), expected, reason);
        }
    }

    private static int stageAfter(Experiment e, DecisionKind kind) {
        return kind == DecisionKind.ADVANCE ? e.stageIndex() + 1 : e.stageIndex();
    }

    private static double trafficAfter(Experiment e, DecisionKind kind) {
        return switch (kind) {
            case ADVANCE -> e.rampPlan().get(Math.min(e.stageIndex() + 1, e.rampPlan().size() - 1)).percent();
            case ROLLBACK -> 0.0;
            case PROMOTE -> 100.0;
            case HOLD, PAUSE, RESUME -> e.stageIndex() < 0 ? 0.0 : e.rampPlan().get(e.stageIndex()).percent();
        };
    }

    private static String decisionId(Experiment e, DecisionKind kind, String tickKey) {
        String name = e.id() + '\u0000' + e.version() + '\u0000' + kind.wire() + '\u0000' + tickKey;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
