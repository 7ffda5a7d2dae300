package dev.flywheel.engine.model.internal;

import dev.flywheel.engine.model.ModelConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The activation buffers of one forward step, reused from step to step (grown when a step has more
 * rows, never shrunk) so decoding allocates nothing large per token. Shapes for N rows:
 * x, xb, q, att, proj [N, dim]; kRows, vRows [N, kvDim]; gate, up [N, hidden]; last [seqs, dim]; and
 * {@link #input}, 64-byte-aligned native memory where a projection's input is prepared once for all its
 * row-split parts (only with kernels that read it in place; freed by the GC with the scratch). One step
 * uses one scratch at a time (StepForward keeps a pool of them for concurrent callers).
 */
final class StepScratch {
    private final ModelConfig c;
    int rows = -1;
    int seqs = -1;
    float[] x, xb, q, att, proj, kRows, vRows, gate, up, last;
    int[] rowPos, rowSeq, lastRow;
    private MemorySegment input;

    StepScratch(ModelConfig config) {
        this.c = config;
    }

    /** Makes room for {@code n} rows and {@code sequences} sequences. */
    void ensure(int n, int sequences) {
        if (n > rows) {
            x = new float[n * c.dim()];
            xb = new float[n * c.dim()];
            q = new float[n * c.dim()];
            att = new float[n * c.dim()];
            proj = new float[n * c.dim()];
            kRows = new float[n * c.kvDim()];
            vRows = new float[n * c.kvDim()];
            gate = new float[n * c.hiddenDim()];
            up = new float[n * c.hiddenDim()];
            rowPos = new int[n];
            rowSeq = new int[n];
            rows = n;
        }
        if (sequences > seqs) {
            last = new float[sequences * c.dim()];
            lastRow = new int[sequences];
            seqs = sequences;
        }
    }

    /** At least {@code floats} floats of 64-byte-aligned native memory, grown when a step needs more. */
    MemorySegment input(long floats) {
        if (input == null || input.byteSize() < floats * Float.BYTES) {
            input = Arena.ofAuto().allocate(floats * Float.BYTES, 64);
        }
        return input;
    }
}
