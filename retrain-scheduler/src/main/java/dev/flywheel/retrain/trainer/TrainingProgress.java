package dev.flywheel.retrain.trainer;

import java.nio.file.Path;
import java.util.Map;

/** Where a trainer reports as it goes: per-step metrics (written to ClickHouse training_metrics) and checkpoints. */
public interface TrainingProgress {
    void metrics(int step, Map<String, Double> values);

    void checkpoint(int step, Path peftDir);

    static TrainingProgress none() {
        return new TrainingProgress() {
            @Override
            public void metrics(int step, Map<String, Double> values) {
            }

            @Override
            public void checkpoint(int step, Path peftDir) {
            }
        };
    }
}
