package dev.flywheel.engine.model;

/**
 * Lends the batch scheduler threads for work that is independent per row, between forward passes: the model's own
 * forward threads ({@code LlamaModel::splitRows}), idle at that point. {@link #SERIAL} runs everything on the
 * caller. Used for the greedy argmax of a batch, which at batch 32 scans a million logits a step and was a tenth
 * of a step's wall time on one thread while the other forward thread waited.
 */
@FunctionalInterface
public interface RowSplitter {
    /** Runs {@code range} over [0, rows), possibly in several parts on several threads; returns when all are done. */
    void split(int rows, Range range);

    /** One part: rows [from, to). Parts never overlap; a part must touch only its own rows' state. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    RowSplitter SERIAL = (rows, range) -> range.run(0, rows);
}
