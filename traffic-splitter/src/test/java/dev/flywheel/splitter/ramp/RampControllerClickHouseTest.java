package dev.flywheel.splitter.ramp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.experiments.Direction;
import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentDefinition;
import dev.flywheel.splitter.experiments.ExperimentFixtures;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.ExperimentStatus;
import dev.flywheel.splitter.experiments.InMemoryExperimentStore;
import dev.flywheel.splitter.experiments.MetricSpec;
import dev.flywheel.splitter.experiments.RampStage;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.StatsConfig;
import dev.flywheel.splitter.stats.StatsEngine;
import dev.flywheel.splitter.stats.simulation.ArmProfile;
import dev.flywheel.splitter.stats.simulation.SyntheticTraffic;
import dev.flywheel.splitter.stats.simulation.TrafficSegment;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ramp controller end to end on simulated traffic in the real ClickHouse. */
@ExtendWith(FlywheelServicesExtension.class)
class RampControllerClickHouseTest {
    private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");
    private static final long REQUESTS_PER_STAGE = 40_000;

    private MutableClock clock;
    private ExperimentService experiments;
    private SyntheticTraffic traffic;
    private DecisionLog log;
    private RampController controller;
    private long nextRequest;

    @BeforeEach
    void setUp(TestServices services) {
        clock = new MutableClock(T0);
        experiments = new ExperimentService(new InMemoryExperimentStore(), variant -> { }, clock, new SplittableRandom(5));
        traffic = new SyntheticTraffic(services.clickhouseConnections());
        log = new DecisionLog(services.clickhouseConnections());
        controller = controller(services, ExperimentLeadership.all());
    }

    private RampController controller(TestServices services, ExperimentLeadership leadership) {
        return new RampController(experiments, new StatsEngine(services.clickhouseConnections(), StatsConfig.DEFAULT, clock), log,
                leadership, RampSettings.DEFAULT, clock);
    }

    private Experiment start(String id, List<MetricSpec> guardrails) {
        var plan = List.of(new RampStage(10, Duration.ofMinutes(10), 500), new RampStage(50, Duration.ofMinutes(10), 500),
                new RampStage(100, Duration.ZERO, 0));
        var definition = new ExperimentDefinition(id, "ramp test", "team-stats", Unit.USER,
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("candidate", "http://127.0.0.1:9")),
                "control", "layer-" + id, 0.0, 100.0, plan, new MetricSpec("score:quality", Direction.HIGHER_IS_BETTER, null, false),
                guardrails, null);
        experiments.create(definition);
        return experiments.start(id, "test start");
    }

    private static List<MetricSpec> guardrails(boolean latencyObserveOnly) {
        return List.of(new MetricSpec("latency_p95", Direction.LOWER_IS_BETTER, null, latencyObserveOnly),
                new MetricSpec("error_rate", Direction.LOWER_IS_BETTER, 0.2, false));
    }

    /** Simulates one stage's worth of traffic at the experiment's current split, then lets the stage's time pass. */
    private void traffic(String id, ArmProfile treatment, double drop, long seed) {
        Experiment e = experiments.get(id).orElseThrow();
        traffic.write(new TrafficSegment(id, e.stageIndex(), "control", "candidate", e.treatmentPercent() / 100, nextRequest,
                REQUESTS_PER_STAGE, 4, clock.millis(), 600_000, ArmProfile.BASELINE, treatment, drop, 0.0, 1.0, 1.0, seed));
        nextRequest += REQUESTS_PER_STAGE;
        clock.advance(Duration.ofMinutes(11));
    }

    private DecisionKind tick(String id) {
        return controller.tick(experiments.get(id).orElseThrow()).orElseThrow().kind();
    }

    @Test
    void aFivePercentWinIsRampedThroughEveryStageAndPromoted() {
        start("win", guardrails(false));
        assertEquals(DecisionKind.HOLD, tick("win"), "no data yet");
        ArmProfile better = ArmProfile.BASELINE.withScoreMean(0.6 * 1.05);
        traffic("win", better, 0, 1);
        assertEquals(DecisionKind.ADVANCE, tick("win"));
        traffic("win", better, 0, 2);
        assertEquals(DecisionKind.ADVANCE, tick("win"));
        clock.advance(RampSettings.DEFAULT.tickInterval());
        assertEquals(DecisionKind.PROMOTE, tick("win"), "the 100 % stage has no control traffic: the win comes from earlier stages");
        Experiment e = experiments.get("win").orElseThrow();
        assertEquals(ExperimentStatus.PROMOTED, e.status());
        assertEquals("candidate", e.controlVariantId());
        List<RampDecision> decisions = log.read("win", 10);
        assertEquals(List.of(DecisionKind.PROMOTE, DecisionKind.ADVANCE, DecisionKind.ADVANCE, DecisionKind.HOLD),
                decisions.stream().map(RampDecision::kind).toList());
        assertTrue(decisions.getFirst().reasons().getFirst().contains("score:quality"), decisions.getFirst().reasons().toString());
        assertTrue(decisions.getFirst().numbers().containsKey("comparisons"));
    }

    /** No effect: the ramp reaches 100 %, holds there, and a day later (last-stage-max-wait) rolls back to control. */
    @Test
    void aVariantThatNeverWinsIsRolledBackOnceTheLastStageHasWaitedADay() {
        start("same", guardrails(false));
        traffic("same", ArmProfile.BASELINE, 0, 11);
        assertEquals(DecisionKind.ADVANCE, tick("same"));
        traffic("same", ArmProfile.BASELINE, 0, 12);
        assertEquals(DecisionKind.ADVANCE, tick("same"));
        clock.advance(RampSettings.DEFAULT.tickInterval());
        assertEquals(DecisionKind.HOLD, tick("same"), "at 100 % without a significant win: waiting");
        clock.advance(RampSettings.DEFAULT_LAST_STAGE_MAX_WAIT);
        assertEquals(DecisionKind.ROLLBACK, tick("same"));
        assertEquals(ExperimentStatus.ROLLED_BACK, experiments.get("same").orElseThrow().status());
        assertTrue(log.read("same", 1).getFirst().reasons().getFirst().contains("without a significant win"),
                log.read("same", 1).getFirst().reasons().toString());
    }

    @Test
    void aFivePercentLossOnThePrimaryMetricIsRolledBack() {
        start("loss", guardrails(false));
        traffic("loss", ArmProfile.BASELINE.withScoreMean(0.6 * 0.95), 0, 3);
        assertEquals(DecisionKind.ROLLBACK, tick("loss"));
        assertEquals(ExperimentStatus.ROLLED_BACK, experiments.get("loss").orElseThrow().status());
    }

    @Test
    void doubledP95LatencyIsRolledBackWithinTwoTicksOfEnoughData() {
        rolledBackWithinTwoTicks("slow", ArmProfile.BASELINE.withLatencyMedianMs(800), "latency_p95");
    }

    @Test
    void doubledErrorRateIsRolledBackWithinTwoTicksOfEnoughData() {
        rolledBackWithinTwoTicks("flaky", ArmProfile.BASELINE.withErrorRate(0.04), "error_rate");
    }

    private void rolledBackWithinTwoTicks(String id, ArmProfile broken, String metric) {
        start(id, guardrails(false));
        traffic(id, broken, 0, 4);
        if (tick(id) != DecisionKind.ROLLBACK) {
            traffic(id, broken, 0, 5);
            tick(id);
        }
        assertEquals(ExperimentStatus.ROLLED_BACK, experiments.get(id).orElseThrow().status());
        assertTrue(log.read(id, 1).getFirst().reasons().getFirst().contains(metric), () -> log.read(id, 1).toString());
    }

    @Test
    void anObserveOnlyGuardrailIsReportedButNeverActs() {
        start("observe", guardrails(true));
        traffic("observe", ArmProfile.BASELINE.withLatencyMedianMs(800), 0, 6);
        assertEquals(DecisionKind.ADVANCE, tick("observe"));
        assertTrue(log.read("observe", 1).getFirst().reasons().stream().anyMatch(r -> r.startsWith("observe-only") && r.contains("latency_p95")));
    }

    @Test
    void losingTenPercentOfOneArmsEventsPausesTheRamp() {
        start("srm", guardrails(false));
        // At a 10 % treatment share the treatment arm is small: three blocks give it about 3,000 units.
        traffic("srm", ArmProfile.BASELINE, 0.1, 7);
        traffic("srm", ArmProfile.BASELINE, 0.1, 8);
        traffic("srm", ArmProfile.BASELINE, 0.1, 9);
        assertEquals(DecisionKind.PAUSE, tick("srm"));
        assertEquals(ExperimentStatus.PAUSED, experiments.get("srm").orElseThrow().status());
        assertTrue(log.read("srm", 1).getFirst().reasons().getFirst().contains("sample ratio mismatch"));
    }

    @Test
    void repeatedTicksAreIdempotentAndOnlyTheLeaderActs(TestServices services) {
        start("idem", guardrails(false));
        RampController follower = controller(services, id -> false);
        assertTrue(follower.tick().decisions().isEmpty());
        assertTrue(log.read("idem", 10).isEmpty(), "a replica that does not lead writes nothing");
        String first = controller.tick().decisions().getFirst().decisionId();
        String second = controller.tick().decisions().getFirst().decisionId();
        assertEquals(first, second);
        assertEquals(1, log.read("idem", 10).size());
    }

    @Test
    void manualOverridesAreAuditedLikeDecisions() {
        start("manual", guardrails(false));
        RampDecision d = controller.override("manual", DecisionKind.PAUSE, null, "alice", "investigating a bug report");
        assertEquals(ExperimentStatus.PAUSED, experiments.get("manual").orElseThrow().status());
        RampDecision stored = log.read("manual", 1).getFirst();
        assertEquals(d.decisionId(), stored.decisionId());
        assertTrue(stored.manual());
        assertEquals("alice", stored.actor());
        assertTrue(stored.reasons().getFirst().contains("investigating a bug report"));
    }
}
