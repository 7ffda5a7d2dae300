package dev.flywheel.engine.training;

import dev.flywheel.engine.model.LlamaWeights;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.safetensors.FloatCodec;
import dev.flywheel.engine.training.internal.Dense;
import dev.flywheel.engine.training.internal.RmsNorm;
import dev.flywheel.engine.training.internal.Rope;
import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.Matrix;

import java.util.Objects;

/**
 * Forward pass over one whole sequence (positions 0..T-1, causal attention, no KV cache) that records
 * the activations, and the backward pass that accumulates gradients into whichever parameters are
 * trainable: all base weights ({@link #full}), or only LoRA A/B over a frozen base ({@link #lora}).
 * Gradients accumulate (+=) so several sequences can form a batch; zero them before each batch.
 * Shapes: activations [T, width] row-major; logits [T, vocabSize].
 */
public final class Backprop {
    private final ModelConfig c;
    private final LlamaWeights w;
    private final LlamaParameters base;   // null: base frozen
    private final LoraParameters lora;    // null: no adapter
    private final Kernels k;

    private Backprop(ModelConfig config, LlamaWeights weights, LlamaParameters base, LoraParameters lora, Kernels kernels) {
        this.c = Objects.requireNonNull(config, "config");
        this.w = Objects.requireNonNull(weights, "weights");
        this.base = base;
        this.lora = lora;
        this.k = Objects.requireNonNull(kernels, "kernels");
        weights.validate(config);
    }

    /** Every base weight trainable (used to train the shipped model from scratch). */
    public static Backprop full(LlamaParameters params, Kernels kernels) {
        return new Backprop(params.config(), params.weights(), params, null, kernels);
    }

    /** Frozen base (e.g. memory-mapped), only the LoRA pairs receive gradients. */
    public static Backprop lora(ModelConfig config, LlamaWeights frozenBase, LoraParameters lora, Kernels kernels) {
        return new Backprop(config, frozenBase, null, Objects.requireNonNull(lora, "lora"), kernels);
    }

    /** Saved activations of one sequence; {@link #logits()} is [T, vocabSize]. */
    public static final class Tape {
        final int[] tokens;
        final int n;
        final float[][] xIn, inv1, xn1, q, kr, v, probs, o, x1, inv2, xn2, gate, up, h;
        final float[][][] loraU; // [layer][projection] A·x, [T, r]
        float[] xL, invF, xf, logits;

        Tape(int[] tokens, int layers) {
            this.tokens = tokens.clone();
            this.n = tokens.length;
            xIn = new float[layers][]; inv1 = new float[layers][]; xn1 = new float[layers][]; q = new float[layers][];
            kr = new float[layers][]; v = new float[layers][]; probs = new float[layers][]; o = new float[layers][];
            x1 = new float[layers][]; inv2 = new float[layers][]; xn2 = new float[layers][]; gate = new float[layers][];
            up = new float[layers][]; h = new float[layers][];
            loraU = new float[layers][Projection.values().length][];
        }

        public float[] logits() { return logits; }

        public int length() { return n; }
    }

    public Tape forward(int[] tokens) {
        if (tokens.length == 0 || tokens.length > c.maxSeqLen()) {
            throw new IllegalArgumentException("tokens must hold 1.." + c.maxSeqLen() + " ids, got " + tokens.length);
        }
        int n = tokens.length;
        int dim = c.dim();
        Tape tape = new Tape(tokens, c.nLayers());
        float[] x = new float[n * dim];
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("tokens[" + t + "] = " + tokens[t] + " is outside [0, " + c.vocabSize() + ")");
            }
            for (int i = 0; i < dim; i++) {
                x[t * dim + i] = FloatCodec.read(w.embedding().data(), w.embedding().dtype(), (long) tokens[t] * dim + i);
            }
        }
        for (int l = 0; l < c.nLayers(); l++) {
            x = layerForward(tape, l, x);
        }
        tape.xL = x;
        tape.invF = new float[n];
        tape.xf = new float[n * dim];
        RmsNorm.forward(tape.xf, tape.invF, x, w.finalNorm(), n, dim, c.rmsEps());
        tape.logits = new float[n * c.vocabSize()];
        Dense.forward(k, tape.logits, tape.xf, n, w.lmHead(), lmHeadHeap());
        return tape;
    }

    private float[] layerForward(Tape tape, int l, float[] x) {
        int n = tape.n, dim = c.dim(), kvDim = c.kvDim(), hd = c.headDim(), hidden = c.hiddenDim();
        LlamaWeights.Layer layer = w.layers().get(l);
        tape.xIn[l] = x;
        tape.inv1[l] = new float[n];
        float[] xn1 = tape.xn1[l] = new float[n * dim];
        RmsNorm.forward(xn1, tape.inv1[l], x, layer.attentionNorm(), n, dim, c.rmsEps());
        float[] q = tape.q[l] = new float[n * dim];
        float[] kk = tape.kr[l] = new float[n * kvDim];
        float[] v = tape.v[l] = new float[n * kvDim];
        linear(tape, l, Projection.Q, q, xn1);
        linear(tape, l, Projection.K, kk, xn1);
        linear(tape, l, Projection.V, v, xn1);
        for (int t = 0; t < n; t++) {
            Rope.rotate(q, t * dim, c.nHeads(), hd, t, c.ropeTheta(), false);
            Rope.rotate(kk, t * kvDim, c.nKvHeads(), hd, t, c.ropeTheta(), false);
        }
        // probs [nHeads, T, T]: row t holds the softmax over s <= t (zeros above the diagonal).
        float[] probs = tape.probs[l] = new float[c.nHeads() * n * n];
        float[] o = tape.o[l] = new float[n * dim];
        int group = c.nHeads() / c.nKvHeads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int hh = 0; hh < c.nHeads(); hh++) {
            int kvOff = (hh / group) * hd;
            for (int t = 0; t < n; t++) {
                int pRow = (hh * n + t) * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    float dot = 0f;
                    for (int d = 0; d < hd; d++) {
                        dot += q[t * dim + hh * hd + d] * kk[s * kvDim + kvOff + d];
                    }
                    probs[pRow + s] = dot * scale;
                    max = Math.max(max, probs[pRow + s]);
                }
                float sum = 0f;
                for (int s = 0; s <= t; s++) {
                    probs[pRow + s] = (float) Math.exp(probs[pRow + s] - max);
                    sum += probs[pRow + s];
                }
                for (int s = 0; s <= t; s++) {
                    float p = probs[pRow + s] /= sum;
                    for (int d = 0; d < hd; d++) {
                        o[t * dim + hh * hd + d] += p * v[s * kvDim + kvOff + d];
                    }
                }
            }
        }
        float[] attnOut = new float[n * dim];
        linear(tape, l, Projection.O, attnOut, o);
        float[] x1 = tape.x1[l] = new float[n * dim];
        for (int i = 0; i < n * dim; i++) {
            x1[i] = x[i] + attnOut[i];
        }
        tape.inv2[l] = new float[n];
        float[] xn2 = tape.xn2[l] = new float[n * dim];
        RmsNorm.forward(xn2, tape.inv2[l], x1, layer.mlpNorm(), n, dim, c.rmsEps());
        float[] gate = tape.gate[l] = new float[n * hidden];
        float[] up = tape.up[l] = new float[n * hidden];
        linear(tape, l, Projection.GATE, gate, xn2);
        linear(tape, l, Projection.UP, up, xn2);
        float[] h = tape.h[l] = new float[n * hidden];
        for (int i = 0; i < n * hidden; i++) {
            h[i] = silu(gate[i]) * up[i];
        }
        float[] down = new float[n * dim];
        linear(tape, l, Projection.DOWN, down, h);
        float[] x2 = new float[n * dim];
        for (int i = 0; i < n * dim; i++) {
            x2[i] = x1[i] + down[i];
        }
        return x2;
    }

    /** y = x W^T (+ scale · (x A^T) B^T), saving x A^T for the backward. */
    private void linear(Tape tape, int l, Projection p, float[] y, float[] x) {
        Dense.forward(k, y, x, tape.n, w.layers().get(l).projection(p), baseHeap(l, p));
        Parameter[] pair = lora == null ? null : lora.pair(l, p);
        if (pair == null) {
            return;
        }
        int r = lora.rank();
        float[] u = tape.loraU[l][p.ordinal()] = new float[tape.n * r];
        Dense.forward(k, u, x, tape.n, Matrix.of(pair[0].value(), r, p.in(c)), pair[0].value());
        float[] delta = new float[tape.n * p.out(c)];
        Dense.forward(k, delta, u, tape.n, Matrix.of(pair[1].value(), p.out(c), r), pair[1].value());
        float s = lora.scale();
        for (int i = 0; i < y.length; i++) {
            y[i] += s * delta[i];
        }
    }

    /** dx += dy · W (+ LoRA path); accumulates weight gradients of whatever is trainable. */
    private void linearBackward(Tape tape, int l, Projection p, float[] dx, float[] dy, float[] x) {
        int n = tape.n;
        Matrix wm = w.layers().get(l).projection(p);
        Dense.backwardInput(k, dx, dy, n, wm, baseHeap(l, p));
        if (base != null) {
            Dense.accumulateWeightGrad(base.projection(l, p).grad(), dy, x, n, p.out(c), p.in(c));
        }
        Parameter[] pair = lora == null ? null : lora.pair(l, p);
        if (pair == null) {
            return;
        }
        int r = lora.rank();
        float s = lora.scale();
        float[] u = tape.loraU[l][p.ordinal()];
        float[] sdy = new float[dy.length];
        for (int i = 0; i < dy.length; i++) {
            sdy[i] = s * dy[i];
        }
        Dense.accumulateWeightGrad(pair[1].grad(), sdy, u, n, p.out(c), r);                  // dB += s dy^T u
        float[] du = new float[n * r];
        Dense.backwardInput(k, du, sdy, n, Matrix.of(pair[1].value(), p.out(c), r), pair[1].value()); // du = s dy B
        Dense.accumulateWeightGrad(pair[0].grad(), du, x, n, r, p.in(c));                     // dA += du^T x
        Dense.backwardInput(k, dx, du, n, Matrix.of(pair[0].value(), r, p.in(c)), pair[0].value()); // dx += du A
    }

    /** Accumulates gradients of the loss whose gradient with respect to the logits is dLogits [T, V]. */
    public void backward(Tape tape, float[] dLogits) {
        int n = tape.n, dim = c.dim();
        if (dLogits.length != n * c.vocabSize()) {
            throw new IllegalArgumentException("dLogits must be [" + n + ", " + c.vocabSize() + "], got " + dLogits.length + " values");
        }
        float[] dxf = new float[n * dim];
        Dense.backwardInput(k, dxf, dLogits, n, w.lmHead(), lmHeadHeap());
        if (base != null) {
            Parameter head = c.tiedEmbeddings() ? base.embedding() : base.lmHead();
            Dense.accumulateWeightGrad(head.grad(), dLogits, tape.xf, n, c.vocabSize(), dim);
        }
        float[] dx = new float[n * dim];
        RmsNorm.backward(dx, base == null ? null : base.finalNorm().grad(), dxf, tape.xL, tape.invF, w.finalNorm(), n, dim);
        for (int l = c.nLayers() - 1; l >= 0; l--) {
            dx = layerBackward(tape, l, dx);
        }
        if (base != null) {
            float[] dEmb = base.embedding().grad();
            for (int t = 0; t < n; t++) {
                int off = tape.tokens[t] * dim;
                for (int i = 0; i < dim; i++) {
                    dEmb[off + i] += dx[t * dim + i];
                }
            }
        }
    }

    private float[] layerBackward(Tape tape, int l, float[] dx2) {
        int n = tape.n, dim = c.dim(), kvDim = c.kvDim(), hd = c.headDim(), hidden = c.hiddenDim();
        LlamaWeights.Layer layer = w.layers().get(l);
        // MLP: x2 = x1 + down(silu(gate) * up)
        float[] dh = new float[n * hidden];
        linearBackward(tape, l, Projection.DOWN, dh, dx2, tape.h[l]);
        float[] dgate = new float[n * hidden];
        float[] dup = new float[n * hidden];
        for (int i = 0; i < n * hidden; i++) {
            float g = tape.gate[l][i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            dup[i] = dh[i] * g * sig;
            dgate[i] = dh[i] * tape.up[l][i] * sig * (1f + g * (1f - sig));
        }
        float[] dxn2 = new float[n * dim];
        linearBackward(tape, l, Projection.GATE, dxn2, dgate, tape.xn2[l]);
        linearBackward(tape, l, Projection.UP, dxn2, dup, tape.xn2[l]);
        float[] dx1 = dx2.clone();
        RmsNorm.backward(dx1, base == null ? null : base.mlpNorm(l).grad(), dxn2, tape.x1[l], tape.inv2[l], layer.mlpNorm(), n, dim);

        // Attention: x1 = x + o_proj(attn(rope(q), rope(k), v))
        float[] dO = new float[n * dim];
        linearBackward(tape, l, Projection.O, dO, dx1, tape.o[l]);
        float[] dq = new float[n * dim];
        float[] dk = new float[n * kvDim];
        float[] dv = new float[n * kvDim];
        float[] q = tape.q[l], kk = tape.kr[l], v = tape.v[l], probs = tape.probs[l];
        int group = c.nHeads() / c.nKvHeads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] dp = new float[n];
        for (int hh = 0; hh < c.nHeads(); hh++) {
            int kvOff = (hh / group) * hd;
            for (int t = 0; t < n; t++) {
                int pRow = (hh * n + t) * n;
                float dot = 0f;
                for (int s = 0; s <= t; s++) {
                    float acc = 0f;
                    for (int d = 0; d < hd; d++) {
                        float g = dO[t * dim + hh * hd + d];
                        acc += g * v[s * kvDim + kvOff + d];
                        dv[s * kvDim + kvOff + d] += probs[pRow + s] * g;
                    }
                    dp[s] = acc;
                    dot += probs[pRow + s] * acc;
                }
                for (int s = 0; s <= t; s++) {
                    float ds = probs[pRow + s] * (dp[s] - dot) * scale;
                    for (int d = 0; d < hd; d++) {
                        dq[t * dim + hh * hd + d] += ds * kk[s * kvDim + kvOff + d];
                        dk[s * kvDim + kvOff + d] += ds * q[t * dim + hh * hd + d];
                    }
                }
            }
        }
        for (int t = 0; t < n; t++) {
            Rope.rotate(dq, t * dim, c.nHeads(), hd, t, c.ropeTheta(), true);
            Rope.rotate(dk, t * kvDim, c.nKvHeads(), hd, t, c.ropeTheta(), true);
        }
        float[] dxn1 = new float[n * dim];
        linearBackward(tape, l, Projection.Q, dxn1, dq, tape.xn1[l]);
        linearBackward(tape, l, Projection.K, dxn1, dk, tape.xn1[l]);
        linearBackward(tape, l, Projection.V, dxn1, dv, tape.xn1[l]);
        float[] dx = dx1.clone();
        RmsNorm.backward(dx, base == null ? null : base.attentionNorm(l).grad(), dxn1, tape.xIn[l], tape.inv1[l], layer.attentionNorm(), n, dim);
        return dx;
    }

    private float[] baseHeap(int l, Projection p) {
        return base == null ? null : base.projection(l, p).value();
    }

    private float[] lmHeadHeap() {
        if (base == null) {
            return null;
        }
        return c.tiedEmbeddings() ? base.embedding().value() : base.lmHead().value();
    }

    private static float silu(float g) {
        return g / (1f + (float) Math.exp(-g));
    }
}
