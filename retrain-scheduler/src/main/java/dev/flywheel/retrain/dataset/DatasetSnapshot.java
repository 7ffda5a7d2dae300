package dev.flywheel.retrain.dataset;

import java.util.List;

/**
 * An immutable training set: {@code id} is a content hash (same items → same id), train and holdout are disjoint by
 * construction (a stable hash of the prompt text decides the side, see {@link Splitter}), so the gate never scores a
 * prompt the candidate trained on.
 */
public record DatasetSnapshot(String id, long createdAtMs, List<DatasetItem> train, List<DatasetItem> holdout) {
    public DatasetSnapshot {
        train = List.copyOf(train);
        holdout = List.copyOf(holdout);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("dataset " + id + " has no training prompts");
        }
        if (holdout.isEmpty()) {
            throw new IllegalArgumentException("dataset " + id + " has no holdout prompts");
        }
    }
}
