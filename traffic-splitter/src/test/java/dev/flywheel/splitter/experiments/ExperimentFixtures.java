package dev.flywheel.splitter.experiments;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Valid experiment definitions for tests; vary one field to test its validation. */
public final class ExperimentFixtures {
    private ExperimentFixtures() {}

    public static Variant variant(String id, String backend) {
        return new Variant(id, URI.create(backend), "model-" + id, Map.of(), 0.002);
    }

    public static ExperimentDefinition definition(String id, String layer, double trafficPercent) {
        return new ExperimentDefinition(id, "test " + id, "team-a", Unit.USER,
                List.of(variant("control", "http://127.0.0.1:9"), variant("treatment", "http://127.0.0.1:9")),
                "control", layer, 0.0, trafficPercent, RampStage.defaultPlan(Duration.ofMinutes(10), 100),
                new MetricSpec("score:exact_match", Direction.HIGHER_IS_BETTER, null, false),
                List.of(new MetricSpec("error_rate", Direction.LOWER_IS_BETTER, 0.05, false)), null);
    }

    public static ExperimentDefinition definition(String id) {
        return definition(id, "default", 100.0);
    }
}
