package dev.flywheel.retrain.trainer;

import dev.flywheel.retrain.dataset.DatasetSnapshot;
import dev.flywheel.retrain.policy.RetrainPolicy;

import java.nio.file.Path;

/**
 * What to train: the run, its policy, the snapshot (and its JSON Lines file, for external trainers), the directory
 * the trainer owns for checkpoints and its result, and the name the adapter will be served under.
 */
public record TrainingJob(String runId, RetrainPolicy policy, DatasetSnapshot dataset, Path datasetFile, Path outputDir,
                          String adapterName) {
}
