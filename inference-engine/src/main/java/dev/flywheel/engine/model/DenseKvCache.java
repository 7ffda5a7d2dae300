package dev.flywheel.engine.model;

/**
 * A plain KV cache of numBlocks * blockSize slots per layer, with no allocator: callers pick block
 * tables themselves. Used by tests, the task's greedy decoder and the trainer's evaluation; the
 * serving engine has its own paged pool.
 */
public final class DenseKvCache implements KvCache {
    private final int blockSize;
    private final float[][] keys;
    private final float[][] values;

    public DenseKvCache(ModelConfig config, int numBlocks, int blockSize) {
        if (numBlocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException("numBlocks and blockSize must be > 0, got " + numBlocks + ", " + blockSize);
        }
        this.blockSize = blockSize;
        long slots = (long) numBlocks * blockSize * config.kvDim();
        this.keys = new float[config.nLayers()][Math.toIntExact(slots)];
        this.values = new float[config.nLayers()][Math.toIntExact(slots)];
    }

    /** The identity block table [first, first+1, ..., first+count-1]. */
    public static int[] contiguousBlocks(int first, int count) {
        int[] table = new int[count];
        for (int i = 0; i < count; i++) {
            table[i] = first + i;
        }
        return table;
    }

    @Override
    public int blockSize() { return blockSize; }

    @Override
    public float[] keys(int layer) { return keys[layer]; }

    @Override
    public float[] values(int layer) { return values[layer]; }
}
