package dev.flywheel.splitter.assignment;

import dev.flywheel.splitter.experiments.Experiment;
import dev.flywheel.splitter.experiments.Variant;

/** What a request gets: a variant of an experiment, the experiment's control as a held-out unit, or no experiment. */
public sealed interface Assignment {

    /**
     * The unit is in {@code experiment} and gets {@code variant}. {@code rampStage} is the experiment's stage index at
     * assignment; {@code forced} is true when a QA override header chose the variant (such requests are not analysed).
     */
    record InExperiment(Experiment experiment, Variant variant, int rampStage, boolean forced) implements Assignment {}

    /** The unit falls in the experiment's holdout: served by its control, never analysed as part of the experiment. */
    record HeldOut(Experiment experiment) implements Assignment {}

    /** No serving experiment applies: the request goes to the default backend unchanged. */
    record None() implements Assignment {}
}
