package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.Variant;
import java.util.List;

/**
 * Deterministic assignment (hash {@link BucketHash#VERSION}). For each layer in name order, for each experiment of the
 * layer in slice order, with the unit id the experiment randomises:
 * <ol>
 *   <li>in the slice? layer bucket {@code bucket("layer/" + layer, unit)} in [offset, offset + slice) (skipped when
 *       the slice is the whole layer) — slices of one layer are disjoint, so experiments in a layer never share a unit;</li>
 *   <li>experiment bucket {@code b = bucket(salt, unit)}; {@code b >= 10000 - holdout} → held out;</li>
 *   <li>{@code b < floor(treatment% × (10000 − holdout) / 100)} → treatment number {@code b mod #treatments}, else control.</li>
 * </ol>
 * The first experiment that takes the unit wins. Step 3 is monotone: raising the percent only adds buckets and a
 * bucket's treatment never changes, so a treated unit stays treated as the ramp advances; a rollback (0 %) sends all
 * to control. Thread-safe: each thread uses its own hasher.
 */
public final class Assigner {
    private final ThreadLocal<BucketHash> hashers = ThreadLocal.withInitial(BucketHash::new);

    public Assignment assign(AssignmentTable table, UnitIds units) {
        BucketHash hash = hashers.get();
        for (List<AssignmentTable.Entry> layer : table.layers()) {
            String hashedUnit = null; // the layer bucket is computed once per layer (and unit kind)
            int lb = -1;
            for (AssignmentTable.Entry entry : layer) {
                Experiment e = entry.experiment();
                String unitId = units.idFor(e.unit());
                if (unitId == null) {
                    continue;
                }
                if (!entry.wholeLayer()) {
                    if (!unitId.equals(hashedUnit)) {
                        lb = hash.bucket(entry.layerSalt(), unitId);
                        hashedUnit = unitId;
                    }
                    if (lb < entry.sliceFrom() || lb >= entry.sliceTo()) {
                        continue;
                    }
                }
                int b = hash.bucket(e.salt(), unitId);
                if (b >= entry.holdoutFrom()) {
                    return new Assignment.HeldOut(e);
                }
                Variant v = b < entry.treatedBelow() ? entry.treatments()[b % entry.treatments().length] : entry.control();
                return new Assignment.InExperiment(e, v, e.stageIndex(), false);
            }
        }
        return new Assignment.None();
    }

    /**
     * The QA override: {@code experimentId}'s {@code variantId} regardless of hashing.
     *
     * @throws IllegalArgumentException naming what does not exist (no serving experiment, or no such variant)
     */
    public Assignment force(AssignmentTable table, String experimentId, String variantId) {
        Experiment e = table.experiment(experimentId).orElseThrow(() ->
                new IllegalArgumentException("no serving experiment '" + experimentId + "'"));
        Variant v = e.variant(variantId).orElseThrow(() ->
                new IllegalArgumentException("experiment '" + experimentId + "' has no variant '" + variantId + "'"));
        return new Assignment.InExperiment(e, v, e.stageIndex(), true);
    }
}
