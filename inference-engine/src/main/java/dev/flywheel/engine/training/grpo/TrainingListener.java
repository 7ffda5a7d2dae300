package dev.flywheel.engine.training.grpo;

import java.nio.file.Path;

/** Receives progress as the trainer runs (on the training thread; keep it quick or hand off). */
public interface TrainingListener {
    void onStep(StepMetrics metrics);

    /** A PEFT directory for {@code step} is complete on disk. */
    default void onCheckpoint(int step, Path peftDir) {
    }

    static TrainingListener none() {
        return m -> { };
    }
}
