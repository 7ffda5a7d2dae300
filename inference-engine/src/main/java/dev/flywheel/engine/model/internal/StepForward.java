package dev.flywheel.engine.model.internal;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.KvCache;
import dev.flywheel.engine.model.LlamaWeights;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One forward step over all rows of a {@link StepBatch}. Rows are the fed tokens of every sequence,
 * concatenated in order: N rows. Activations are [N, width] row-major float arrays. Base projections
 * run as one matmul over all N rows; LoRA terms run per segment of adjacent rows sharing an adapter.
 * Every row is computed independently of the others except through the KV cache, so a sequence's
 * result does not depend on its batch-mates (given row-independent kernels).
 *
 * <p>Large matmuls are split by output rows across {@link RowParallel} (weight rows are precut into
 * parts on 16-row boundaries, so each part streams its own slice of the weights once and every
 * output element is computed exactly as in the unsplit call); attention is split by query rows.
 * Activation buffers come from a pool of {@link StepScratch} and a caller may hand back the previous
 * step's logits array, so steady-state decoding allocates nothing large. Safe for concurrent callers
 * on distinct KV caches.
 */
public final class StepForward {
    /** Part boundaries are multiples of this many weight rows (a multiple of every kernel's row tile). */
    static final int ROW_ALIGN = 16;
    /**
     * Below this many multiply-adds a matmul (or an attention step) is not worth waking workers for:
     * 1M is about 0.1 ms of one core, the order of a worker's wake-up on a busy machine. For the
     * dim-288 model, batch-1 decode splits only the 32000 x 288 output projection; batch 32 and
     * prefill split every projection.
     */
    static final long MIN_PARALLEL_WORK = 1L << 20;
    /**
     * Attention is split from this many (cached position x dim) units a layer: each unit costs ~4x a
     * matmul's multiply-add here (K/V rows read from a cache the step's weight sweep has evicted, a
     * reduction per head and an exp per score; ~0.2 ms a layer at batch 32, positions ~48, one thread),
     * so batch-32 decode splits it from about position 14 on.
     */
    static final long MIN_PARALLEL_ATTENTION = MIN_PARALLEL_WORK / 8;
    /**
     * From this many SwiGLU elements on ({@link Kernels#swiglu}), the gate rows are split across
     * threads: the scalar kernel's Math.exp is about 7 ns here (batch 32 of the dim-288 model, 32 x 768
     * a layer, spent ~1 ms a step in it); the native kernel's polynomial exp is far cheaper, but the
     * split costs little once the workers spin between meetings.
     */
    static final int MIN_PARALLEL_SWIGLU = 1 << 14;
    /**
     * From this many rows a split matmul's input is prepared once for all its parts (see
     * {@link Kernels#readsAlignedInputInPlace()}); the native gemm copies x from 8 rows on.
     */
    static final int PREPARED_INPUT_MIN_BATCH = 8;
    /** The projections computed together (they read the same input). */
    private static final Projection[] QKV = {Projection.Q, Projection.K, Projection.V};
    private static final Projection[] O = {Projection.O};
    private static final Projection[] GATE_UP = {Projection.GATE, Projection.UP};
    private static final Projection[] DOWN = {Projection.DOWN};

    private final ModelConfig c;
    private final LlamaWeights w;
    private final Kernels k;
    private final RowParallel rows;
    /** [layer][projection ordinal]. */
    private final SplitMatrix[][] projections;
    private final SplitMatrix lmHead;
    private final ConcurrentLinkedDeque<StepScratch> scratch = new ConcurrentLinkedDeque<>();

    /** A weight matrix and its row parts for {@link RowParallel}: part p is rows [start[p], start[p+1]). */
    private record SplitMatrix(Matrix whole, Matrix[] parts, int[] start) {
        static SplitMatrix of(Matrix m, RowParallel rows) {
            int parts = rows.parts(m.rows(), ROW_ALIGN);
            Matrix[] slices = new Matrix[parts];
            int[] start = new int[parts + 1];
            for (int p = 0; p <= parts; p++) {
                start[p] = RowParallel.start(p, parts, m.rows(), ROW_ALIGN);
            }
            for (int p = 0; p < parts; p++) {
                int n = start[p + 1] - start[p];
                slices[p] = parts == 1 ? m
                        : new Matrix(m.data().asSlice(start[p] * m.rowBytes(), n * m.rowBytes()), m.dtype(), n, m.cols());
            }
            return new SplitMatrix(m, slices, start);
        }
    }

    public StepForward(ModelConfig config, LlamaWeights weights, Kernels kernels, RowParallel rows) {
        this.c = config;
        this.w = weights;
        this.k = kernels;
        this.rows = rows;
        this.projections = new SplitMatrix[config.nLayers()][Projection.values().length];
        for (int l = 0; l < config.nLayers(); l++) {
            for (Projection p : Projection.values()) {
                projections[l][p.ordinal()] = SplitMatrix.of(weights.layers().get(l).projection(p), rows);
            }
        }
        this.lmHead = SplitMatrix.of(weights.lmHead(), rows);
    }

    /** Row segments sharing one adapter: rows [start[s], start[s+1]) use adapters[s] (null = base). */
    private record Segments(int[] start, LoraAdapter[] adapters, float[] scale) {}

    /**
     * Runs the step and returns logits [batch.size(), vocab] of each sequence's last row, written into
     * {@code logits} when it holds at least that many floats, else into a new array.
     */
    public float[] run(StepBatch batch, KvCache kv, float[] logits) {
        StepScratch s = scratch.pollFirst();
        if (s == null) {
            s = new StepScratch(c);
        }
        try {
            return run(batch, kv, s, logits);
        } finally {
            scratch.offerFirst(s);
        }
    }

    private float[] run(StepBatch batch, KvCache kv, StepScratch s, float[] logits) {
        int seqs = batch.size();
        int n = batch.totalTokens();
        int dim = c.dim();
        int kvDim = c.kvDim();
        int hd = c.headDim();
        int hidden = c.hiddenDim();
        int bs = kv.blockSize();
        s.ensure(n, seqs);
        float[] x = s.x;
        int[] rowPos = s.rowPos;
        int[] rowSeq = s.rowSeq;

        int row = 0;
        long attentionWork = 0;
        for (int q = 0; q < seqs; q++) {
            int[] toks = batch.tokens()[q];
            int start = batch.startPos()[q];
            int end = start + toks.length;
            if (end > c.maxSeqLen()) {
                throw new IllegalArgumentException("sequence " + q + " reaches position " + (end - 1)
                        + ", beyond maxSeqLen " + c.maxSeqLen());
            }
            if ((end - 1) / bs >= batch.blockTables()[q].length) {
                throw new IllegalArgumentException("blockTables[" + q + "] has " + batch.blockTables()[q].length
                        + " blocks of " + bs + ", too few for position " + (end - 1));
            }
            LoraAdapter adapter = batch.adapters()[q];
            if (adapter != null && !adapter.fits(c)) {
                throw new IllegalArgumentException("adapters[" + q + "] (" + adapter.name() + ") was built for another base model shape");
            }
            for (int t = 0; t < toks.length; t++) {
                int tok = toks[t];
                if (tok < 0 || tok >= c.vocabSize()) {
                    throw new IllegalArgumentException("tokens[" + q + "][" + t + "] = " + tok + " is outside [0, " + c.vocabSize() + ")");
                }
                w.embedding().readRow(tok, x, row * dim);
                rowPos[row] = start + t;
                rowSeq[row] = q;
                attentionWork += (long) (start + t + 1) * dim;
                row++;
            }
            s.lastRow[q] = row - 1;
        }
        Segments segments = segments(batch);
        boolean splitAttention = n > 1 && attentionWork >= MIN_PARALLEL_ATTENTION;

        float[] xb = s.xb, q = s.q, kRows = s.kRows, vRows = s.vRows, att = s.att, proj = s.proj, gate = s.gate, up = s.up;
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer layer = w.layers().get(l);
            for (int r = 0; r < n; r++) {
                k.rmsnorm(xb, r * dim, x, r * dim, layer.attentionNorm(), dim, c.rmsEps());
            }
            project(l, QKV, new float[][] {q, kRows, vRows}, xb, n, segments, s);
            float[] kc = kv.keys(l);
            float[] vc = kv.values(l);
            RowParallel.Part position = (from, to, part) -> { // RoPE on q and k, then k and v into the cache
                for (int r = from; r < to; r++) {
                    k.rope(q, r * dim, c.nHeads(), hd, rowPos[r], c.ropeTheta());
                    k.rope(kRows, r * kvDim, c.nKvHeads(), hd, rowPos[r], c.ropeTheta());
                    int[] table = batch.blockTables()[rowSeq[r]];
                    int p = rowPos[r];
                    int slot = table[p / bs] * bs + p % bs;
                    System.arraycopy(kRows, r * kvDim, kc, slot * kvDim, kvDim);
                    System.arraycopy(vRows, r * kvDim, vc, slot * kvDim, kvDim);
                }
            };
            // Row r attends over [0, pos] of its own sequence. With one row per sequence (decode) that is
            // the cache up to the step before plus the row's own K/V, so each part positions and stores its
            // own rows first: on the caller alone before the split this was ~5 % of a batch-32 step's wall
            // time, the other thread waiting (2026-12-05). With several rows of a sequence (prefill), rows
            // are in position order and every row's K/V is stored before any row attends.
            boolean ownRowsOnly = n == seqs;
            if (!ownRowsOnly) {
                position.run(0, n, 0);
            }
            RowParallel.Part attend = (from, to, part) -> {
                if (ownRowsOnly) {
                    position.run(from, to, part);
                }
                for (int r = from; r < to; r++) {
                    k.attention(att, r * dim, q, r * dim, kc, vc, batch.blockTables()[rowSeq[r]], bs, rowPos[r] + 1,
                            c.nHeads(), c.nKvHeads(), hd);
                }
            };
            if (splitAttention) {
                rows.split(n, 1, attend);
            } else {
                attend.run(0, n, 0);
            }
            project(l, O, new float[][] {proj}, att, n, segments, s);
            add(x, proj, n * dim);

            for (int r = 0; r < n; r++) {
                k.rmsnorm(xb, r * dim, x, r * dim, layer.mlpNorm(), dim, c.rmsEps());
            }
            project(l, GATE_UP, new float[][] {gate, up}, xb, n, segments, s);
            RowParallel.Part swiglu = (from, to, part) -> k.swiglu(gate, up, from * hidden, (to - from) * hidden);
            if ((long) n * hidden >= MIN_PARALLEL_SWIGLU) {
                rows.split(n, 1, swiglu);
            } else {
                swiglu.run(0, n, 0);
            }
            project(l, DOWN, new float[][] {proj}, gate, n, segments, s);
            add(x, proj, n * dim);
        }

        float[] last = s.last;
        for (int q2 = 0; q2 < seqs; q2++) {
            k.rmsnorm(last, q2 * dim, x, s.lastRow[q2] * dim, w.finalNorm(), dim, c.rmsEps());
        }
        // The logits belong to the caller, who may hand the same array back every step: a fresh one is
        // 4 MB at batch 32 (vocab 32000), and zeroing it plus the page faults of new heap cost ~2.5 ms
        // of a ~10 ms one-thread step (perf, 2026-12-05).
        if (logits == null || logits.length < seqs * c.vocabSize()) {
            logits = new float[seqs * c.vocabSize()];
        }
        matmuls(new float[][] {logits}, last, seqs, new SplitMatrix[] {lmHead}, s);
        return logits;
    }

    /**
     * ys[i] = xIn · W_ps[i]ᵀ plus each segment's LoRA term, for projections that read the same input:
     * their base matmuls form one split, so the threads meet once per group instead of once per
     * projection.
     */
    private void project(int layerIndex, Projection[] ps, float[][] ys, float[] xIn, int n, Segments seg, StepScratch s) {
        SplitMatrix[] ms = new SplitMatrix[ps.length];
        for (int i = 0; i < ps.length; i++) {
            ms[i] = projections[layerIndex][ps[i].ordinal()];
        }
        matmuls(ys, xIn, n, ms, s);
        // LoRA terms on the caller: one native call per segment (~1 us at rank 8), ~0.4 ms a step for
        // 32 distinct adapters on q and v. A split of their own would add a meeting with the workers per
        // layer, and on a loaded machine each meeting can wait a whole time slice for a preempted worker.
        for (int i = 0; i < ps.length; i++) {
            addLora(layerIndex, ps[i], ys[i], xIn, seg);
        }
    }

    /** y += each segment's LoRA term for projection p (segments without an adapter on p add nothing). */
    private void addLora(int layerIndex, Projection p, float[] y, float[] xIn, Segments seg) {
        int count = seg.adapters().length;
        LoraWeights[] lw = null;
        for (int g = 0; g < count; g++) {
            LoraAdapter a = seg.adapters()[g];
            LoraWeights pair = a == null ? null : a.weights(layerIndex, p);
            if (pair != null) {
                if (lw == null) {
                    lw = new LoraWeights[count];
                }
                lw[g] = pair;
            }
        }
        if (lw != null) {
            k.loraSgmv(y, xIn, seg.start(), lw, seg.scale(), p.in(c), p.out(c));
        }
    }

    /**
     * ys[i][b, r] = Σ_c x[b, c] · W_i[r, c] for b < batch. Split by weight rows when worth it: the
     * precut parts of all the matrices are claimed together, part p writing its rows straight into
     * ys[i]'s columns through the strided matmul (a [batch, rows of p] buffer and a copy per part cost
     * 4 MB of copying a step for batch 32's logits).
     */
    private void matmuls(float[][] ys, float[] x, int batch, SplitMatrix[] ms, StepScratch s) {
        long work = 0;
        int total = 0;
        int[] first = new int[ms.length + 1];
        for (int i = 0; i < ms.length; i++) {
            Matrix whole = ms[i].whole();
            work += (long) whole.rows() * whole.cols() * batch;
            first[i] = total;
            total += ms[i].parts().length;
        }
        first[ms.length] = total;
        if (total == ms.length || work < MIN_PARALLEL_WORK) {
            for (int i = 0; i < ms.length; i++) {
                k.matmul(ys[i], x, batch, ms[i].whole());
            }
            return;
        }
        // Where the kernels read an aligned input in place, x is copied there once for all the parts
        // (each part's call otherwise makes an aligned copy of its own: ~4 % of a batch-32 step).
        Matrix prepared = batch >= PREPARED_INPUT_MIN_BATCH && k.readsAlignedInputInPlace()
                ? prepare(x, batch, ms[0].whole().cols(), s) : null;
        rows.split(total, 1, (from, to, unused) -> { // split parts are runs of precut weight parts
            int i = 0;
            for (int q = from; q < to; q++) {
                while (q >= first[i + 1]) {
                    i++;
                }
                SplitMatrix m = ms[i];
                int p = q - first[i];
                if (prepared != null) {
                    k.matmul(ys[i], m.start()[p], m.whole().rows(), prepared, m.parts()[p]);
                } else {
                    k.matmul(ys[i], m.start()[p], m.whole().rows(), x, batch, m.parts()[p]);
                }
            }
        });
    }

    /** x [batch, cols] copied into the scratch's aligned native memory, as a matrix the kernels read in place. */
    private static Matrix prepare(float[] x, int batch, int cols, StepScratch s) {
        long floats = (long) batch * cols;
        MemorySegment input = s.input(floats);
        MemorySegment.copy(x, 0, input, ValueLayout.JAVA_FLOAT, 0, (int) floats);
        return new Matrix(input.asSlice(0, floats * Float.BYTES), DType.F32, batch, cols);
    }

    private static Segments segments(StepBatch batch) {
        int n = batch.size();
        int[] starts = new int[n + 1];
        LoraAdapter[] adapters = new LoraAdapter[n];
        int count = 0;
        int row = 0;
        for (int q = 0; q < n; q++) {
            LoraAdapter a = batch.adapters()[q];
            if (q == 0 || a != adapters[count - 1]) {
                starts[count] = row;
                adapters[count++] = a;
            }
            row += batch.tokens()[q].length;
        }
        starts[count] = row;
        float[] scale = new float[count];
        for (int i = 0; i < count; i++) {
            scale[i] = adapters[i] == null ? 0f : adapters[i].scale();
        }
        return new Segments(Arrays.copyOf(starts, count + 1), Arrays.copyOf(adapters, count), scale);
    }

    private static void add(float[] x, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += d[i];
        }
    }
}
