package dev.flywheel.splitter.experiments;

import dev.flywheel.splitter.experiments.internal.Fields;
import java.time.Duration;
import java.util.List;

/**
 * What a user writes when creating or updating an experiment (the state fields — status, stage, version, times,
 * layer slice — belong to the service). Absent optional fields take defaults: unit user, layer "default",
 * holdout 0 %, traffic 100 % of the layer, the default ramp 1-5-10-25-50-100 % (1 h and 1,000 samples per arm per
 * stage), no guardrails, and a random salt.
 */
public record ExperimentDefinition(
        String id,
        String description,
        String owner,
        Unit unit,
        List<Variant> variants,
        String controlVariantId,
        String layer,
        Double holdoutPercent,
        Double trafficPercent,
        List<RampStage> rampPlan,
        MetricSpec primaryMetric,
        List<MetricSpec> guardrails,
        String salt) {

    public static final String DEFAULT_LAYER = "default";
    public static final Duration DEFAULT_STAGE_DURATION = Duration.ofHours(1);
    public static final long DEFAULT_STAGE_SAMPLES = 1000;

    public ExperimentDefinition {
        Fields.id("id", id);
        unit = unit == null ? Unit.USER : unit;
        layer = layer == null ? DEFAULT_LAYER : layer;
        holdoutPercent = holdoutPercent == null ? 0.0 : holdoutPercent;
        trafficPercent = trafficPercent == null ? 100.0 : trafficPercent;
        rampPlan = rampPlan == null ? RampStage.defaultPlan(DEFAULT_STAGE_DURATION, DEFAULT_STAGE_SAMPLES) : rampPlan;
        guardrails = guardrails == null ? List.of() : guardrails;
        if (salt != null && salt.isBlank()) {
            throw new InvalidExperimentException("salt", "must be non-blank when given");
        }
        // Validate the whole definition now (control, duplicates, ramp, ranges) so a bad request fails at parse time.
        new Experiment(id, description, owner, unit, variants, controlVariantId, layer, holdoutPercent, rampPlan,
                primaryMetric, guardrails, ExperimentStatus.DRAFT, -1, salt != null ? salt : "unset", 1, 0, 0, trafficPercent, -1);
    }

    /** A draft record (version 1) from this definition; validation of the whole record happens here. */
    public Experiment toDraft(String chosenSalt, long version, long createdAt, long updatedAt) {
        return new Experiment(id, description, owner, unit, variants, controlVariantId, layer, holdoutPercent, rampPlan,
                primaryMetric, guardrails, ExperimentStatus.DRAFT, -1, salt != null ? salt : chosenSalt, version,
                createdAt, updatedAt, trafficPercent, -1);
    }
}
