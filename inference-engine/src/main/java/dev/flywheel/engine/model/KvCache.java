package dev.flywheel.engine.model;

/**
 * Storage for K and V: per layer a float[] of numSlots * kvDim, slot layout as documented in
 * {@link dev.flywheel.kernels.Kernels#attention}: position p of a sequence lives in slot
 * blockTable[p / blockSize] * blockSize + p % blockSize.
 */
public interface KvCache {
    int blockSize();

    float[] keys(int layer);

    float[] values(int layer);
}
