package dev.flywheel.splitter.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.ExperimentDefinition;
import dev.flywheel.splitter.experiments.ExperimentFixtures;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.experiments.InMemoryExperimentStore;
import dev.flywheel.splitter.experiments.Unit;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AssignerTest {
    private static final int UNITS = 20_000;
    private final InMemoryExperimentStore store = new InMemoryExperimentStore();
    private final ExperimentService service = new ExperimentService(store, v -> {}, Clock.systemUTC(), new SplittableRandom(3));
    private final Assigner assigner = new Assigner();

    private AssignmentTable table() {
        return AssignmentTable.of(store.all(), store.revision());
    }

    private static UnitIds user(int i) {
        return new UnitIds("user-" + i, null, "req-" + i);
    }

    private Map<String, String> variantsByUnit() {
        AssignmentTable t = table();
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < UNITS; i++) {
            if (assigner.assign(t, user(i)) instanceof Assignment.InExperiment in) {
                out.put("user-" + i, in.variant().id());
            }
        }
        return out;
    }

    @Test
    void rampNeverMovesTreatedUserBackToControl() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        Map<String, String> previous = variantsByUnit();
        for (int stage = 1; stage < 6; stage++) {
            Experiment e = service.advance("exp-1", "ok");
            Map<String, String> now = variantsByUnit();
            for (var entry : previous.entrySet()) {
                if (entry.getValue().equals("treatment")) {
                    assertEquals("treatment", now.get(entry.getKey()), "unit " + entry.getKey() + " left treatment at " + e.treatmentPercent() + " %");
                }
            }
            long treated = now.values().stream().filter("treatment"::equals).count();
            double share = 100.0 * treated / UNITS;
            assertEquals(e.treatmentPercent(), share, Math.max(1.0, e.treatmentPercent() * 0.1), "treated share at stage " + stage);
            previous = now;
        }
    }

    @Test
    void rollbackSendsEveryUnitToControl() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        service.advance("exp-1", "ok");
        service.advance("exp-1", "ok");
        service.rollback("exp-1", "bad");
        Map<String, String> now = variantsByUnit();
        assertEquals(UNITS, now.size());
        assertTrue(now.values().stream().allMatch("control"::equals));
    }

    @Test
    void assignmentIsDeterministicAcrossTablesAndAssigners() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        for (int i = 0; i < 4; i++) service.advance("exp-1", "ok");
        Map<String, String> a = variantsByUnit();
        Map<String, String> b = variantsByUnit();
        assertEquals(a, b);
    }

    @Test
    void experimentsInOneLayerNeverShareAUnitAndSplitTheLayerByTraffic() {
        service.create(ExperimentFixtures.definition("left", "checkout", 30));
        service.create(ExperimentFixtures.definition("right", "checkout", 70));
        service.start("left", "go");
        service.start("right", "go");
        AssignmentTable t = table();
        BucketHash hash = new BucketHash();
        int left = 0;
        int right = 0;
        for (int i = 0; i < UNITS; i++) {
            var a = assertInstanceOf(Assignment.InExperiment.class, assigner.assign(t, user(i)));
            int lb = hash.bucket(BucketHash.layerSalt("checkout"), "user-" + i);
            // each unit is in exactly the experiment whose slice holds its layer bucket
            assertEquals(lb < 3000 ? "left" : "right", a.experiment().id());
            if (a.experiment().id().equals("left")) left++; else right++;
        }
        assertEquals(0.30, left / (double) UNITS, 0.02);
        assertEquals(0.70, right / (double) UNITS, 0.02);
    }

    @Test
    void holdoutUnitsAreServedControlOutsideTheExperiment() {
        var d = ExperimentFixtures.definition("exp-1");
        service.create(new ExperimentDefinition(d.id(), d.description(), d.owner(), d.unit(), d.variants(), d.controlVariantId(),
                d.layer(), 10.0, d.trafficPercent(), d.rampPlan(), d.primaryMetric(), d.guardrails(), null));
        service.start("exp-1", "go");
        for (int i = 0; i < 5; i++) service.advance("exp-1", "ok");
        AssignmentTable t = table();
        int held = 0;
        for (int i = 0; i < UNITS; i++) {
            Assignment a = assigner.assign(t, user(i));
            if (a instanceof Assignment.HeldOut h) {
                held++;
                assertEquals("exp-1", h.experiment().id());
            } else {
                assertEquals("treatment", assertInstanceOf(Assignment.InExperiment.class, a).variant().id());
            }
        }
        assertEquals(0.10, held / (double) UNITS, 0.01);
    }

    @Test
    void twoTreatmentsSplitTheTreatedShareEvenly() {
        var d = ExperimentFixtures.definition("exp-1");
        service.create(new ExperimentDefinition(d.id(), d.description(), d.owner(), d.unit(),
                List.of(ExperimentFixtures.variant("control", "http://127.0.0.1:9"), ExperimentFixtures.variant("t1", "http://127.0.0.1:9"),
                        ExperimentFixtures.variant("t2", "http://127.0.0.1:9")),
                "control", d.layer(), 0.0, 100.0, d.rampPlan(), d.primaryMetric(), d.guardrails(), null));
        service.start("exp-1", "go");
        for (int i = 0; i < 4; i++) service.advance("exp-1", "ok"); // 50 %
        Map<String, Long> counts = new HashMap<>();
        variantsByUnit().values().forEach(v -> counts.merge(v, 1L, Long::sum));
        assertEquals(0.25, counts.get("t1") / (double) UNITS, 0.015);
        assertEquals(0.25, counts.get("t2") / (double) UNITS, 0.015);
        assertEquals(0.50, counts.get("control") / (double) UNITS, 0.015);
    }

    @Test
    void requestsWithoutTheRandomisedUnitAreNotInTheExperiment() {
        service.create(ExperimentFixtures.definition("exp-1"));
        service.start("exp-1", "go");
        assertInstanceOf(Assignment.None.class, assigner.assign(table(), new UnitIds(null, "sess-1", "req-1")));
        var d = ExperimentFixtures.definition("per-request", "other", 100);
        service.create(new ExperimentDefinition(d.id(), d.description(), d.owner(), Unit.REQUEST, d.variants(), d.controlVariantId(),
                d.layer(), 0.0, 100.0, d.rampPlan(), d.primaryMetric(), d.guardrails(), null));
        service.start("per-request", "go");
        var a = assertInstanceOf(Assignment.InExperiment.class, assigner.assign(table(), new UnitIds(null, null, "req-1")));
        assertEquals("per-request", a.experiment().id());
    }

    @Test
    void draftsTakeNoTrafficAndOverridesForceAVariant() {
        service.create(ExperimentFixtures.definition("exp-1"));
        assertInstanceOf(Assignment.None.class, assigner.assign(table(), user(1)));
        service.start("exp-1", "go");
        var forced = assertInstanceOf(Assignment.InExperiment.class, assigner.force(table(), "exp-1", "treatment"));
        assertTrue(forced.forced());
        assertEquals("treatment", forced.variant().id());
        assertThrows(IllegalArgumentException.class, () -> assigner.force(table(), "exp-1", "nope"));
        assertThrows(IllegalArgumentException.class, () -> assigner.force(table(), "nope", "treatment"));
    }
}
