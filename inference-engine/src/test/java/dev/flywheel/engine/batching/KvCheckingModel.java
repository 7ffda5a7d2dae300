package dev.flywheel.engine.batching;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.KvCache;
import dev.flywheel.engine.model.StepBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in model that makes the scheduler's paging observable: it writes (token, position + 1)
 * into slot 0..1 of each fed position's K in layer 0, and the "next token" it predicts is a function of
 * every token it READS BACK through the block table, plus the adapter's name. A wrong block table,
 * a prefix-cache hit on the wrong blocks or a missing write changes (or fails) the output.
 */
final class KvCheckingModel implements ForwardPass {
    final int vocab;
    final List<StepBatch> steps = new ArrayList<>();
    RuntimeException failNext;

    KvCheckingModel(int vocab) {
        this.vocab = vocab;
    }

    @Override
    public float[] forward(StepBatch batch, KvCache kv, float[] reuse) {
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            throw e;
        }
        steps.add(batch);
        float[] keys = kv.keys(0);
        int kvDim = keys.length / slots(kv);
        float[] logits = new float[batch.size() * vocab];
        for (int i = 0; i < batch.size(); i++) {
            int[] table = batch.blockTables()[i];
            int start = batch.startPos()[i];
            int[] fed = batch.tokens()[i];
            for (int j = 0; j < fed.length; j++) {
                int slot = slot(table, start + j, kv.blockSize());
                keys[slot * kvDim] = fed[j];
                keys[slot * kvDim + 1] = start + j + 1;
            }
            long h = salt(batch.adapters()[i]);
            int end = start + fed.length;
            for (int p = 0; p < end; p++) {
                int slot = slot(table, p, kv.blockSize());
                if (keys[slot * kvDim + 1] != p + 1) {
                    throw new IllegalStateException("KV of position " + p + " was never written to slot " + slot);
                }
                h = h * 31 + (long) keys[slot * kvDim];
            }
            logits[i * vocab + (int) Math.floorMod(h, (long) vocab)] = 10f;
        }
        return logits;
    }

    /** The token greedy decoding produces after the given full sequence under an adapter. */
    int expectedNext(int[] sequence, LoraAdapter adapter) {
        long h = salt(adapter);
        for (int t : sequence) {
            h = h * 31 + t;
        }
        return (int) Math.floorMod(h, (long) vocab);
    }

    private static long salt(LoraAdapter adapter) {
        return adapter == null ? 17 : adapter.name().hashCode();
    }

    private static int slots(KvCache kv) {
        return kv instanceof dev.flywheel.engine.cache.KvBlockPool pool ? pool.totalBlocks() * pool.blockSize() : -1;
    }

    private static int slot(int[] table, int pos, int blockSize) {
        return table[pos / blockSize] * blockSize + pos % blockSize;
    }
}
