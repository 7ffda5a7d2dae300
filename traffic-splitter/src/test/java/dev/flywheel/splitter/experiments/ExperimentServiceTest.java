package dev.flywheel.splitter.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExperimentServiceTest {
    private final InMemoryExperimentStore store = new InMemoryExperimentStore();
    private final List<String> probed = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final ExperimentService service = new ExperimentService(store, v -> probed.add(v.id()), clock, new SplittableRandom(7));

    @Test
    void createThenStartRunsAtFirstStageWithAVersionPerWrite() {
        Experiment draft = service.create(ExperimentFixtures.definition("exp-1"));
        assertEquals(ExperimentStatus.DRAFT, draft.status());
        assertEquals(-1, draft.stageIndex());
        assertEquals(1, draft.version());
        assertEquals(0.0, draft.treatmentPercent());
        assertEquals(16, draft.salt().length());

        Experiment running = service.start("exp-1", "go");
        assertEquals(ExperimentStatus.RUNNING, running.status());
        assertEquals(0, running.stageIndex());
        assertEquals(2, running.version());
        assertEquals(1.0, running.treatmentPercent());
        assertEquals(List.of("control", "treatment"), probed);
        assertEquals(0, running.layerOffset());
    }

    @Test
    void advanceWalksTheRampAndRefusesPastTheLastStage() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        double[] expected = {5, 10, 25, 50, 100};
        for (double p : expected) {
            assertEquals(p, service.advance("exp-1", "healthy").treatmentPercent());
        }
        var e = assertThrows(ExperimentConflictException.class, () -> service.advance("exp-1", "again"));
        assertFalse(e.retriable());
        assertEquals(ExperimentStatus.PROMOTED, service.promote("exp-1", "won").status());
        assertEquals("treatment", service.get("exp-1").orElseThrow().controlVariantId());
    }

    @Test
    void rollbackSendsEveryoneToControlAndIsTerminalButArchivable() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        service.advance("exp-1", "ok");
        Experiment rolled = service.rollback("exp-1", "guardrail error_rate");
        assertEquals(0.0, rolled.treatmentPercent());
        assertThrows(ExperimentConflictException.class, () -> service.resume("exp-1", "no"));
        assertThrows(ExperimentConflictException.class, () -> service.advance("exp-1", "no"));
        assertEquals(ExperimentStatus.ARCHIVED, service.archive("exp-1", "done").status());
    }

    @Test
    void illegalTransitionsAreConflictsThatAreNotRetriable() {
        service.create(ExperimentFixtures.definition("exp-1"));
        for (var call : List.<Runnable>of(
                () -> service.advance("exp-1", "x"), () -> service.pause("exp-1", "x"), () -> service.resume("exp-1", "x"),
                () -> service.rollback("exp-1", "x"), () -> service.promote("exp-1", "x"))) {
            var e = assertThrows(ExperimentConflictException.class, call::run);
            assertFalse(e.retriable());
        }
        service.start("exp-1", "go");
        assertThrows(ExperimentConflictException.class, () -> service.start("exp-1", "twice"));
        assertThrows(ExperimentConflictException.class, () -> service.archive("exp-1", "running"));
        assertThrows(ExperimentConflictException.class,
                () -> service.update("exp-1", ExperimentFixtures.definition("exp-1"), OptionalLong.empty()));
    }

    @Test
    void staleExpectedVersionIsARetriableConflict() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        var e = assertThrows(ExperimentConflictException.class, () -> service.advance("exp-1", OptionalLong.of(1), "stale"));
        assertTrue(e.retriable());
        assertEquals(2, e.currentVersion());
        assertEquals(0, service.get("exp-1").orElseThrow().stageIndex());
    }

    @Test
    void duplicateIdIsAConflict() {
        service.create(ExperimentFixtures.definition("exp-1"));
        assertThrows(ExperimentConflictException.class, () -> service.create(ExperimentFixtures.definition("exp-1")));
    }

    @Test
    void experimentsInOneLayerGetDisjointSlicesAndCannotExceedTheLayer() {
        service.create(ExperimentFixtures.definition("a", "checkout", 60));
        service.create(ExperimentFixtures.definition("b", "checkout", 40));
        var tooBig = assertThrows(InvalidExperimentException.class,
                () -> service.create(ExperimentFixtures.definition("c", "checkout", 70)));
        assertEquals("traffic_percent", tooBig.field());
        Experiment a = service.start("a", "go");
        Experiment b = service.start("b", "go");
        assertEquals(0, a.layerOffset());
        assertEquals(6000, b.layerOffset());
        service.pause("a", "x");
        service.archive("a", "x");
        service.create(ExperimentFixtures.definition("c", "checkout", 30));
        service.create(ExperimentFixtures.definition("d", "checkout", 30));
        assertEquals(0, service.start("c", "go").layerOffset());
        assertEquals(3000, service.start("d", "go").layerOffset());
        assertEquals(6000, service.get("b").orElseThrow().layerOffset());
    }

    @Test
    void unreachableBackendBlocksStartAndNamesTheVariant() {
        ExperimentService failing = new ExperimentService(store, v -> {
            if (v.id().equals("treatment")) {
                throw new BackendProbe.BackendUnreachableException("connection refused", null);
            }
        }, clock, new SplittableRandom(7));
        failing.create(ExperimentFixtures.definition("exp-1"));
        var e = assertThrows(InvalidExperimentException.class, () -> failing.start("exp-1", "go"));
        assertEquals("variants[1].backend_url", e.field());
        assertEquals(ExperimentStatus.DRAFT, failing.get("exp-1").orElseThrow().status());
    }

    @Test
    void promoteWithSeveralTreatmentsNeedsAVariant() {
        var d = ExperimentFixtures.definition("exp-1");
        var three = new ExperimentDefinition(d.id(), d.description(), d.owner(), d.unit(),
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("t1", "http://127.0.0.1:9"),
                        ExperimentFixtures.variant("t2", "http://127.0.0.1:9")),
                "control", d.layer(), d.holdoutPercent(), d.trafficPercent(), d.rampPlan(), d.primaryMetric(), d.guardrails(), null);
        service.create(three);
        service.start("exp-1", "go");
        assertEquals("variant_id", assertThrows(InvalidExperimentException.class, () -> service.promote("exp-1", "x")).field());
        assertEquals("t2", service.promote("exp-1", "t2", OptionalLong.empty(), "t2 won").controlVariantId());
    }
}
