package dev.flywheel.retrain.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.retrain.bench.ArithmeticSetup;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PolicyJsonTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final PolicyJson json = new PolicyJson(mapper);

    @Test
    void policyRoundTripsThroughJson() {
        RetrainPolicy p = ArithmeticSetup.policy("nightly-arith", Path.of("models/x"), 1.0, Map.of("steps", 10.0), 100);
        assertEquals(p, json.parse(json.toJson(p)));
    }

    @Test
    void wrongValuesNameTheirField() {
        ObjectNode n = json.toJson(ArithmeticSetup.policy("p", Path.of("m"), 1.0, Map.of(), 100));
        ((ObjectNode) n.get("traffic")).put("holdout_percent", 90);
        assertEquals("traffic.holdout_percent", assertThrows(InvalidPolicyException.class, () -> json.parse(n)).field());
        ObjectNode m = json.toJson(ArithmeticSetup.policy("p", Path.of("m"), 1.0, Map.of(), 100));
        ((ObjectNode) m.get("schedule")).put("time_zone", "Mars/Olympus");
        assertEquals("schedule.time_zone", assertThrows(InvalidPolicyException.class, () -> json.parse(m)).field());
        ObjectNode k = json.toJson(ArithmeticSetup.policy("p", Path.of("m"), 1.0, Map.of(), 100));
        ((ObjectNode) k.get("reward")).putArray("evaluators");
        assertEquals("reward.evaluators", assertThrows(InvalidPolicyException.class, () -> json.parse(k)).field());
        ObjectNode t = json.toJson(ArithmeticSetup.policy("p", Path.of("m"), 1.0, Map.of(), 100));
        ((ObjectNode) t.get("trainer")).put("kind", "magic");
        assertEquals("trainer.kind", assertThrows(InvalidPolicyException.class, () -> json.parse(t)).field());
    }

    @Test
    void deployExperimentFieldsRoundTripAndTheDeployersOwnAreRefused() {
        ObjectNode n = json.toJson(ArithmeticSetup.policy("p", Path.of("m"), 1.0, Map.of(), 100));
        ObjectNode experiment = ((ObjectNode) n.get("deploy")).putObject("experiment");
        experiment.put("layer", "nightly-candidates");
        experiment.putArray("ramp_plan").addObject().put("percent", 5).put("min_duration_seconds", 3600).put("min_samples", 500);
        RetrainPolicy p = json.parse(n);
        assertEquals("nightly-candidates", p.deploy().experiment().get("layer").asText());
        assertEquals(p, json.parse(json.toJson(p)));

        experiment.putArray("variants");
        assertEquals("deploy.experiment.variants", assertThrows(InvalidPolicyException.class, () -> json.parse(n)).field());
        ((ObjectNode) n.get("deploy")).put("experiment", "layer=x");
        assertEquals("deploy.experiment", assertThrows(InvalidPolicyException.class, () -> json.parse(n)).field());
    }
}
