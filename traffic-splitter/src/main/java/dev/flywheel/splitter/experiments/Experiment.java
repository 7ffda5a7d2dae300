package dev.flywheel.splitter.experiments;

import dev.flywheel.splitter.experiments.internal.Fields;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An experiment definition and its state: the whole record is the value on the compacted topic
 * {@code flywheel.experiments.v1} (key = id), and {@code version} grows by one with every write.
 *
 * <p>Traffic: of the units that hash into the experiment's slice of its {@code layer}
 * ({@code trafficPercent} of the layer, starting at layer bucket {@code layerOffset}, assigned at start),
 * {@code holdoutPercent} are held out (served control, not analysed); the others get a treatment with probability
 * {@link #treatmentPercent()} (split evenly among treatments) and control otherwise. Experiments in one layer own
 * disjoint slices, so they never share a unit. {@code stageIndex} is -1 before start. Timestamps are epoch ms.
 *
 * <p>{@code trafficPercent} and {@code layerOffset} extend the shared model; the 17-argument constructor of the
 * shared model remains (a whole layer, no slice yet).
 */
public record Experiment(
        String id,
        String description,
        String owner,
        Unit unit,
        List<Variant> variants,
        String controlVariantId,
        String layer,
        double holdoutPercent,
        List<RampStage> rampPlan,
        MetricSpec primaryMetric,
        List<MetricSpec> guardrails,
        ExperimentStatus status,
        int stageIndex,
        String salt,
        long version,
        long createdAt,
        long updatedAt,
        double trafficPercent,
        int layerOffset) {

    /** Hash buckets of a layer and of an experiment: 10,000, so one bucket is 0.01 %. */
    public static final int BUCKETS = 10_000;
    public static final int MAX_VARIANTS = 16;
    public static final int MAX_STAGES = 32;

    public Experiment {
        Fields.id("id", id);
        description = Fields.text("description", description, Fields.MAX_TEXT_CHARS);
        owner = Fields.required("owner", owner, 256);
        Fields.present("unit", unit);
        Fields.present("variants", variants);
        variants = List.copyOf(variants);
        if (variants.size() < 2 || variants.size() > MAX_VARIANTS) {
            throw new InvalidExperimentException("variants", "must hold 2 to " + MAX_VARIANTS + " variants (a control and at least one treatment), got " + variants.size());
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < variants.size(); i++) {
            if (!ids.add(variants.get(i).id())) {
                throw new InvalidExperimentException("variants[" + i + "].id", "duplicate variant id '" + variants.get(i).id() + "'");
            }
        }
        Fields.present("control_variant_id", controlVariantId);
        if (!ids.contains(controlVariantId)) {
            throw new InvalidExperimentException("control_variant_id", "'" + controlVariantId + "' is not one of the variant ids " + ids.stream().sorted().toList());
        }
        Fields.id("layer", layer);
        Fields.percent("holdout_percent", holdoutPercent, true, false);
        Fields.present("ramp_plan", rampPlan);
        rampPlan = List.copyOf(rampPlan);
        if (rampPlan.isEmpty() || rampPlan.size() > MAX_STAGES) {
            throw new InvalidExperimentException("ramp_plan", "must hold 1 to " + MAX_STAGES + " stages, got " + rampPlan.size());
        }
        for (int i = 1; i < rampPlan.size(); i++) {
            if (rampPlan.get(i).percent() <= rampPlan.get(i - 1).percent()) {
                throw new InvalidExperimentException("ramp_plan[" + i + "].percent", "stages must be strictly increasing: "
                        + rampPlan.get(i).percent() + " does not exceed " + rampPlan.get(i - 1).percent());
            }
        }
        Fields.present("primary_metric", primaryMetric);
        guardrails = guardrails == null ? List.of() : List.copyOf(guardrails);
        Fields.present("status", status);
        int maxStage = status == ExperimentStatus.DRAFT ? -1 : rampPlan.size() - 1;
        if (stageIndex < -1 || stageIndex > maxStage) {
            throw new InvalidExperimentException("stage_index", "must be in [-1, " + maxStage + "] for status "
                    + status.wire() + ", got " + stageIndex);
        }
        if ((status == ExperimentStatus.RUNNING || status == ExperimentStatus.PAUSED) && stageIndex < 0) {
            throw new InvalidExperimentException("stage_index", "must be >= 0 once started, got " + stageIndex);
        }
        Fields.required("salt", salt, 128);
        if (version < 0) {
            throw new InvalidExperimentException("version", "must be >= 0, got " + version);
        }
        if (createdAt < 0 || updatedAt < createdAt) {
            throw new InvalidExperimentException("updated_at", "must be >= created_at >= 0, got created_at=" + createdAt + " updated_at=" + updatedAt);
        }
        Fields.percent("traffic_percent", trafficPercent, false, true);
        if (layerOffset < -1 || layerOffset >= BUCKETS || (layerOffset >= 0 && layerOffset + sliceBuckets(trafficPercent) > BUCKETS)) {
            throw new InvalidExperimentException("layer_offset", "must be -1 (no slice yet) or a bucket in [0, "
                    + (BUCKETS - sliceBuckets(trafficPercent)) + "], got " + layerOffset);
        }
        if (status.servesTraffic() && layerOffset < 0) {
            throw new InvalidExperimentException("layer_offset", "a started experiment needs its layer slice, got -1");
        }
    }

    /** The shared model's constructor: the experiment may use its whole layer; the slice is assigned at start. */
    public Experiment(String id, String description, String owner, Unit unit, List<Variant> variants, String controlVariantId,
                      String layer, double holdoutPercent, List<RampStage> rampPlan, MetricSpec primaryMetric,
                      List<MetricSpec> guardrails, ExperimentStatus status, int stageIndex, String salt, long version,
                      long createdAt, long updatedAt) {
        this(id, description, owner, unit, variants, controlVariantId, layer, holdoutPercent, rampPlan, primaryMetric,
                guardrails, status, stageIndex, salt, version, createdAt, updatedAt, 100.0,
                status.servesTraffic() ? 0 : -1);
    }

    /** Number of layer buckets a slice of {@code percent} % occupies (0.01 % per bucket, rounded). */
    public static int sliceBuckets(double percent) {
        return (int) Math.round(percent * (BUCKETS / 100.0));
    }

    public int sliceBuckets() {
        return sliceBuckets(trafficPercent);
    }

    public Variant control() {
        return variant(controlVariantId).orElseThrow();
    }

    /** Every variant but the control, in definition order. */
    public List<Variant> treatments() {
        return variants.stream().filter(v -> !v.id().equals(controlVariantId)).toList();
    }

    public Optional<Variant> variant(String variantId) {
        return variants.stream().filter(v -> v.id().equals(variantId)).findFirst();
    }

    /** The current ramp stage, empty before start. */
    public Optional<RampStage> currentStage() {
        return stageIndex < 0 ? Optional.empty() : Optional.of(rampPlan.get(stageIndex));
    }

    /**
     * Share of the experiment's (non-holdout) units that get a treatment now, in percent: the current stage's percent
     * while RUNNING or PAUSED, 0 otherwise (draft, rolled back: all control; promoted: the promoted variant is the
     * control).
     */
    public double treatmentPercent() {
        return switch (status) {
            case RUNNING, PAUSED -> rampPlan.get(stageIndex).percent();
            case DRAFT, ROLLED_BACK, PROMOTED, ARCHIVED -> 0.0;
        };
    }

    /** This record after a state change: new status, stage, control and layer slice, the version bumped by one. */
    public Experiment transitioned(ExperimentStatus newStatus, int newStageIndex, String newControlVariantId,
                                   int newLayerOffset, long now) {
        return new Experiment(id, description, owner, unit, variants, newControlVariantId, layer, holdoutPercent, rampPlan,
                primaryMetric, guardrails, newStatus, newStageIndex, salt, version + 1, createdAt, Math.max(now, updatedAt),
                trafficPercent, newLayerOffset);
    }
}
