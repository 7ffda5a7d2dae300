package dev.flywheel.engine.model;

import dev.flywheel.engine.lora.LoraAdapter;

/**
 * One engine step. Sequence i feeds tokens[i] (1 token when decoding, many when prefilling) at
 * positions startPos[i] .. startPos[i]+tokens[i].length-1; blockTables[i] maps its positions to cache
 * blocks (must already cover them); adapters[i] is null for the base model. Sequences using the same
 * adapter SHOULD be adjacent (the scheduler sorts them) so LoRA runs as segments via
 * Kernels.loraSgmv; the base projections run once over all rows.
 */
public record StepBatch(int[][] tokens, int[] startPos, int[][] blockTables, LoraAdapter[] adapters) {
    public StepBatch {
        if (tokens == null || startPos == null || blockTables == null || adapters == null) {
            throw new IllegalArgumentException("tokens, startPos, blockTables and adapters are required");
        }
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("tokens must hold at least one sequence");
        }
        if (startPos.length != n || blockTables.length != n || adapters.length != n) {
            throw new IllegalArgumentException("startPos, blockTables and adapters must have one entry per sequence ("
                    + n + "), got " + startPos.length + ", " + blockTables.length + ", " + adapters.length);
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null || tokens[i].length == 0) {
                throw new IllegalArgumentException("tokens[" + i + "] must feed at least one token");
            }
            if (startPos[i] < 0) {
                throw new IllegalArgumentException("startPos[" + i + "] must be >= 0, got " + startPos[i]);
            }
            if (blockTables[i] == null) {
                throw new IllegalArgumentException("blockTables[" + i + "] is required");
            }
        }
    }

    /** Number of sequences in the step. */
    public int size() { return tokens.length; }

    /** Total rows (tokens) fed in the step. */
    public int totalTokens() {
        int n = 0;
        for (int[] t : tokens) {
            n += t.length;
        }
        return n;
    }
}
