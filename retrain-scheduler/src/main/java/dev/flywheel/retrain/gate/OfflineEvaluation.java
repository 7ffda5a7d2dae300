package dev.flywheel.retrain.gate;

import dev.flywheel.eval.runs.Comparison;
import dev.flywheel.retrain.dataset.DatasetItem;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs champion (A) and candidate (B) on the same holdout items and compares them per evaluator (B - A, paired by
 * item), with eval-service's evaluators and paired statistics.
 */
public interface OfflineEvaluation {
    /** A model to evaluate: its served name and its PEFT directory (null = the base model itself). */
    record Contender(String name, Path adapterDir) {}

    List<Comparison> compare(List<DatasetItem> holdout, Contender champion, Contender candidate, List<String> evaluatorIds,
                             double confidence) throws InterruptedException;
}
