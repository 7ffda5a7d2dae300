package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.Variant;

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
 * to control. Thread-safe and allocation-free.
 */
public final class Assigner {

    /** Stateless and allocation-free: every answer is prebuilt in the table, salts carry their hash state. */
    public Assignment assign(AssignmentTable table, UnitIds units) {
        for (AssignmentTable.Entry[] layer : table.layers()) {
            String hashedUnit = null; // the layer bucket is computed once per layer (and unit kind)
            int lb = -1;
            for (AssignmentTable.Entry entry : layer) {
                String unitId = units.idFor(entry.experiment().unit());
                if (unitId == null) {
                    continue;
                }
                if (!entry.wholeLayer()) {
                    if (unitId != hashedUnit) { // UnitIds hands out the same instance per unit kind
                        lb = BucketHash.bucket(entry.layerSalt(), unitId);
                        hashedUnit = unitId;
                    }
                    if (lb < entry.sliceFrom() || lb >= entry.sliceTo()) {
                        continue;
                    }
                }
                int b = BucketHash.bucket(entry.salt(), unitId);
                if (b >= entry.holdoutFrom()) {
                    return entry.heldOut();
                }
                if (b >= entry.treatedBelow()) {
                    return entry.control();
                }
                Assignment.InExperiment[] treatments = entry.treatments();
                return treatments[treatments.length == 1 ? 0 : b % treatments.length];
            }
        }
        return table.none();
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
