package dev.flywheel.engine.batching;

import dev.flywheel.engine.model.KvCache;
import dev.flywheel.engine.model.StepBatch;

/**
 * The model as the scheduler sees it: {@code LlamaModel::forward}. Writes K/V of the fed tokens into
 * kv and returns logits [batch.size(), vocabSize] of each sequence's last fed token, written into
 * {@code reuse} (the array the previous call returned, or null) when the pass chooses and it is large
 * enough, else into a new array. The scheduler reads the logits before its next call.
 */
@FunctionalInterface
public interface ForwardPass {
    float[] forward(StepBatch batch, KvCache kv, float[] reuse);
}
