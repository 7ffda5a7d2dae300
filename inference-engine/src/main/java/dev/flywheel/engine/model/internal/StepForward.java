package dev.flywheel.engine.model.internal;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.KvCache;
import dev.flywheel.engine.model.LlamaWeights;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.model.StepBatch;
import dev.flywheel.engine.safetensors.FloatCodec;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * One forward step over all rows of a {@link StepBatch}. Rows are the fed tokens of every sequence,
 * concatenated in order: N rows. Activations are [N, width] row-major float arrays. Base projections
 * run as one matmul over all N rows; LoRA terms run per segment of adjacent rows sharing an adapter.
 * Every row is computed independently of the others except through the KV cache, so a sequence's
 * result does not depend on its batch-mates (given row-independent kernels).
 */
public final class StepForward {
    private final ModelConfig c;
    private final LlamaWeights w;
    private final Kernels k;

    public StepForward(ModelConfig config, LlamaWeights weights, Kernels kernels) {
        this.c = config;
        this.w = weights;
        this.k = kernels;
    }

    /** Row segments sharing one adapter: rows [start[s], start[s+1]) use adapters[s] (null = base). */
    private record Segments(int[] start, LoraAdapter[] adapters, float[] scale) {}

    public float[] run(StepBatch batch, KvCache kv) {
        int seqs = batch.size();
        int n = batch.totalTokens();
        int dim = c.dim();
        int kvDim = c.kvDim();
        int hd = c.headDim();
        int hidden = c.hiddenDim();
        int bs = kv.blockSize();

        int[] rowPos = new int[n];
        int[] rowSeq = new int[n];
        int[] lastRow = new int[seqs];
        float[] x = new float[n * dim];
        int row = 0;
        for (int s = 0; s < seqs; s++) {
            int[] toks = batch.tokens()[s];
            int start = batch.startPos()[s];
            int end = start + toks.length;
            if (end > c.maxSeqLen()) {
                throw new IllegalArgumentException("sequence " + s + " reaches position " + (end - 1)
                        + ", beyond maxSeqLen " + c.maxSeqLen());
            }
            if ((end - 1) / bs >= batch.blockTables()[s].length) {
                throw new IllegalArgumentException("blockTables[" + s + "] has " + batch.blockTables()[s].length
                        + " blocks of " + bs + ", too few for position " + (end - 1));
            }
            LoraAdapter adapter = batch.adapters()[s];
            if (adapter != null && !adapter.fits(c)) {
                throw new IllegalArgumentException("adapters[" + s + "] (" + adapter.name() + ") was built for another base model shape");
            }
            for (int t = 0; t < toks.length; t++) {
                int tok = toks[t];
                if (tok < 0 || tok >= c.vocabSize()) {
                    throw new IllegalArgumentException("tokens[" + s + "][" + t + "] = " + tok + " is outside [0, " + c.vocabSize() + ")");
                }
                embed(x, row * dim, tok);
                rowPos[row] = start + t;
                rowSeq[row] = s;
                row++;
            }
            lastRow[s] = row - 1;
        }
        Segments segments = segments(batch);

        float[] xb = new float[n * dim];
        float[] q = new float[n * dim];
        float[] kRows = new float[n * kvDim];
        float[] vRows = new float[n * kvDim];
        float[] att = new float[n * dim];
        float[] proj = new float[n * dim];
        float[] gate = new float[n * hidden];
        float[] up = new float[n * hidden];
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer layer = w.layers().get(l);
            for (int r = 0; r < n; r++) {
                k.rmsnorm(xb, r * dim, x, r * dim, layer.attentionNorm(), dim, c.rmsEps());
            }
            project(l, Projection.Q, layer, q, xb, n, segments);
            project(l, Projection.K, layer, kRows, xb, n, segments);
            project(l, Projection.V, layer, vRows, xb, n, segments);
            float[] kc = kv.keys(l);
            float[] vc = kv.values(l);
            for (int r = 0; r < n; r++) {
                k.rope(q, r * dim, c.nHeads(), hd, rowPos[r], c.ropeTheta());
                k.rope(kRows, r * kvDim, c.nKvHeads(), hd, rowPos[r], c.ropeTheta());
                int[] table = batch.blockTables()[rowSeq[r]];
                int p = rowPos[r];
                int slot = table[p / bs] * bs + p % bs;
                System.arraycopy(kRows, r * kvDim, kc, slot * kvDim, kvDim);
                System.arraycopy(vRows, r * kvDim, vc, slot * kvDim, kvDim);
            }
            // Rows of one sequence are in position order and all their K/V are written above, so row r
            // attending over [0, pos] sees exactly its causal prefix.
            for (int r = 0; r < n; r++) {
                k.attention(att, r * dim, q, r * dim, kc, vc, batch.blockTables()[rowSeq[r]], bs, rowPos[r] + 1,
                        c.nHeads(), c.nKvHeads(), hd);
            }
            project(l, Projection.O, layer, proj, att, n, segments);
            add(x, proj, n * dim);

            for (int r = 0; r < n; r++) {
                k.rmsnorm(xb, r * dim, x, r * dim, layer.mlpNorm(), dim, c.rmsEps());
            }
            project(l, Projection.GATE, layer, gate, xb, n, segments);
            project(l, Projection.UP, layer, up, xb, n, segments);
            for (int i = 0; i < n * hidden; i++) {
                float g = gate[i];
                gate[i] = g / (1f + (float) Math.exp(-g)) * up[i]; // SwiGLU: silu(gate) * up
            }
            project(l, Projection.DOWN, layer, proj, gate, n, segments);
            add(x, proj, n * dim);
        }

        float[] last = new float[seqs * dim];
        for (int s = 0; s < seqs; s++) {
            k.rmsnorm(last, s * dim, x, lastRow[s] * dim, w.finalNorm(), dim, c.rmsEps());
        }
        float[] logits = new float[seqs * c.vocabSize()];
        k.matmul(logits, last, seqs, w.lmHead());
        return logits;
    }

    private void project(int layerIndex, Projection p, LlamaWeights.Layer layer, float[] y, float[] xIn, int n, Segments seg) {
        k.matmul(y, xIn, n, layer.projection(p));
        int count = seg.adapters().length;
        LoraWeights[] lw = new LoraWeights[count];
        boolean any = false;
        for (int s = 0; s < count; s++) {
            LoraAdapter a = seg.adapters()[s];
            lw[s] = a == null ? null : a.weights(layerIndex, p);
            any |= lw[s] != null;
        }
        if (any) {
            k.loraSgmv(y, xIn, seg.start(), lw, seg.scale(), p.in(c), p.out(c));
        }
    }

    private static Segments segments(StepBatch batch) {
        List<Integer> starts = new ArrayList<>();
        List<LoraAdapter> adapters = new ArrayList<>();
        int row = 0;
        for (int s = 0; s < batch.size(); s++) {
            LoraAdapter a = batch.adapters()[s];
            if (s == 0 || a != adapters.getLast()) {
                starts.add(row);
                adapters.add(a);
            }
            row += batch.tokens()[s].length;
        }
        starts.add(row);
        float[] scale = new float[adapters.size()];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = adapters.get(i) == null ? 0f : adapters.get(i).scale();
        }
        return new Segments(starts.stream().mapToInt(Integer::intValue).toArray(), adapters.toArray(LoraAdapter[]::new), scale);
    }

    private void embed(float[] x, int off, int token) {
        Matrix e = w.embedding();
        long base = (long) token * c.dim();
        for (int i = 0; i < c.dim(); i++) {
            x[off + i] = FloatCodec.read(e.data(), e.dtype(), base + i);
        }
    }

    private static void add(float[] x, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += d[i];
        }
    }
}
