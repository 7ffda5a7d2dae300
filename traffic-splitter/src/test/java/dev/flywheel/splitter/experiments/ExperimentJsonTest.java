package dev.flywheel.splitter.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExperimentJsonTest {
    private final ExperimentJson json = new ExperimentJson();

    private static final String VALID = """
            {"id":"exp-1","owner":"team-a","unit":"user",
             "variants":[{"id":"control","backend_url":"http://127.0.0.1:8000","model":"base","cost_per_1k_tokens":0.01},
                         {"id":"treatment","backend_url":"http://127.0.0.1:8000","model":"lora-1","overrides":{"temperature":0.2,"max_tokens":64,"system_prompt":"Be brief. ü"}}],
             "control_variant_id":"control",
             "ramp_plan":[{"percent":5,"min_duration":"PT30M","min_samples":200},{"percent":50,"min_duration":"PT1H","min_samples":500}],
             "primary_metric":{"metric":"score:exact_match","direction":"higher_is_better"}}
            """;

    private InvalidExperimentException fails(String body) {
        return assertThrows(InvalidExperimentException.class,
                () -> json.decode(body.getBytes(StandardCharsets.UTF_8), ExperimentDefinition.class));
    }

    @Test
    void definitionRoundTripsThroughARecordAndBack() {
        ExperimentDefinition d = json.decode(VALID.getBytes(StandardCharsets.UTF_8), ExperimentDefinition.class);
        Experiment e = d.toDraft("salt1", 1, 1_767_225_600_000L, 1_767_225_600_000L);
        Experiment back = json.decodeExperiment(json.encode(e));
        assertEquals(e, back);
        assertEquals("Be brief. ü", back.variants().get(1).overrides().get("system_prompt"));
        assertTrue(new String(json.encode(e), StandardCharsets.UTF_8).contains("\"min_duration\":\"PT30M\""));
        assertEquals("default", back.layer());
    }

    @Test
    void unknownControlNamesTheField() {
        assertEquals("control_variant_id", fails(VALID.replace("\"control_variant_id\":\"control\"", "\"control_variant_id\":\"nope\"")).field());
    }

    @Test
    void duplicateVariantIdsNameTheSecondOne() {
        assertEquals("variants[1].id", fails(VALID.replace("\"id\":\"treatment\"", "\"id\":\"control\"")).field());
    }

    @Test
    void rampStagesMustIncreaseAndStayWithinHundred() {
        assertEquals("ramp_plan[1].percent", fails(VALID.replace("\"percent\":50", "\"percent\":5")).field());
        assertEquals("ramp_plan[1].percent", fails(VALID.replace("\"percent\":50", "\"percent\":150")).field());
        assertEquals("ramp_plan[0].percent", fails(VALID.replace("\"percent\":5,", "\"percent\":0,")).field());
        assertEquals("ramp_plan[0].min_duration", fails(VALID.replace("PT30M", "thirty minutes")).field());
    }

    @Test
    void badVariantFieldsNameTheirPath() {
        assertEquals("variants[0].backend_url", fails(VALID.replace("http://127.0.0.1:8000\",\"model\":\"base\"", "ftp://x\",\"model\":\"base\"")).field());
        assertEquals("variants[1].overrides.temperature", fails(VALID.replace("0.2", "7")).field());
        assertEquals("variants[1].overrides.tempreature", fails(VALID.replace("\"temperature\"", "\"tempreature\"")).field());
        assertEquals("variants[1].overrides.max_tokens", fails(VALID.replace("\"max_tokens\":64", "\"max_tokens\":\"lots\"")).field());
    }

    @Test
    void wrongTypesAndEnumsNameTheField() {
        assertEquals("unit", fails(VALID.replace("\"unit\":\"user\"", "\"unit\":\"tenant\"")).field());
        assertEquals("primary_metric.direction", fails(VALID.replace("higher_is_better", "up")).field());
        assertEquals("primary_metric.metric", fails(VALID.replace("score:exact_match", "vibes")).field());
        assertEquals("holdout_percent", fails(VALID.replace("\"unit\":\"user\"", "\"unit\":\"user\",\"holdout_percent\":\"ten\"")).field());
        assertEquals("holdout_percent", fails(VALID.replace("\"unit\":\"user\"", "\"unit\":\"user\",\"holdout_percent\":100")).field());
        assertEquals("owner", fails(VALID.replace("\"owner\":\"team-a\",", "")).field());
        assertEquals("$", fails("{not json").field());
        assertEquals("$", fails("").field());
        assertEquals("variants", fails(VALID.replace("\"variants\":[", "\"variants\":[],\"x\":[")).field());
    }
}
