package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.experiments.Experiment;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable, precomputed view of the serving experiments for the assignment hot path: per layer (sorted by name),
 * the experiments (sorted by slice offset) with their bucket thresholds. Built once per state change.
 */
public final class AssignmentTable {
    /**
     * One serving experiment with everything the decision needs, in buckets of 0.01 %: the layer and experiment salts
     * with their hash state precomputed, and the answers themselves (built once here, so a decision allocates nothing).
     */
    record Entry(Experiment experiment, BucketHash.Salt layerSalt, BucketHash.Salt salt, int sliceFrom, int sliceTo,
                 boolean wholeLayer, int holdoutFrom, int treatedBelow, Assignment.InExperiment control,
                 Assignment.InExperiment[] treatments, Assignment.HeldOut heldOut) {}

    private static final Assignment NONE = new Assignment.None();

    private final Entry[][] layers;
    private final Map<String, Experiment> byId;
    private final long revision;

    private AssignmentTable(Entry[][] layers, Map<String, Experiment> byId, long revision) {
        this.layers = layers;
        this.byId = byId;
        this.revision = revision;
    }

    public static AssignmentTable of(List<Experiment> experiments, long revision) {
        Map<String, List<Experiment>> byLayer = new TreeMap<>();
        Map<String, Experiment> byId = new TreeMap<>();
        for (Experiment e : experiments) {
            if (e.status().servesTraffic()) {
                byLayer.computeIfAbsent(e.layer(), k -> new java.util.ArrayList<>()).add(e);
                byId.put(e.id(), e);
            }
        }
        Entry[][] layers = byLayer.values().stream()
                .map(list -> list.stream().sorted(Comparator.comparingInt(Experiment::layerOffset)).map(AssignmentTable::entry)
                        .toArray(Entry[]::new))
                .toArray(Entry[][]::new);
        return new AssignmentTable(layers, Map.copyOf(byId), revision);
    }

    static Entry entry(Experiment e) {
        int holdout = Experiment.sliceBuckets(e.holdoutPercent());
        int eligible = Experiment.BUCKETS - holdout;
        // floor keeps the treated set monotone in the percent: a larger percent only adds buckets.
        int treated = (int) Math.floor(e.treatmentPercent() * eligible / 100.0);
        int from = e.layerOffset();
        int to = from + e.sliceBuckets();
        Assignment.InExperiment[] treatments = e.treatments().stream()
                .map(v -> new Assignment.InExperiment(e, v, e.stageIndex(), false)).toArray(Assignment.InExperiment[]::new);
        return new Entry(e, BucketHash.salt(BucketHash.layerSalt(e.layer())), BucketHash.salt(e.salt()), from, to,
                from == 0 && to == Experiment.BUCKETS, eligible, treated,
                new Assignment.InExperiment(e, e.control(), e.stageIndex(), false), treatments, new Assignment.HeldOut(e));
    }

    /** Layers by name, each's experiments by slice offset. Arrays for the hot loop; never modified after build. */
    Entry[][] layers() {
        return layers;
    }

    /** The answer when no experiment takes the unit (shared: records are immutable). */
    Assignment none() {
        return NONE;
    }

    /** The serving experiment with this id. */
    public Optional<Experiment> experiment(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every serving experiment, by id. */
    public java.util.Collection<Experiment> servingExperiments() {
        return byId.values();
    }

    /** The store revision this table was built from. */
    public long revision() {
        return revision;
    }
}
