package dev.flywheel.engine.batching;

import dev.flywheel.engine.model.KvCache;
import dev.flywheel.engine.model.StepBatch;

/**
 * The model as the scheduler sees it: {@code LlamaModel::forward}. Writes K/V of the fed tokens into
 * kv and returns logits [batch.size(), vocabSize] of each sequence's last fed token.
 */
@FunctionalInterface
public interface ForwardPass {
    float[] forward(StepBatch batch, KvCache kv);
}
