package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.KernelsUnavailableException;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Kernels in C (src/main/c/flywheel_kernels.c, AVX2/AVX-512 picked at run time) called through the
 * FFM API. Calls are critical downcalls, so heap arrays are passed without copying (the GC waits for
 * the call, which is short). Shapes are validated here, in Java, before any native code runs.
 */
public final class NativeKernels implements Kernels {
    static final String LIBRARY = "libflywheel_kernels.so";
    private static final int ABI_VERSION = 8;

    /** Vector width of the matmul variant in use: 512 (AVX-512) or 256 (AVX2). */
    private final int bits;
    private final MethodHandle gemm;
    private final MethodHandle gemmTransposed;
    private final MethodHandle loraSegment;
    private final MethodHandle rmsnorm;
    private final MethodHandle rope;
    private final MethodHandle softmax;
    private final MethodHandle swiglu;
    private final MethodHandle attention;
    private final RopeTables ropeTables = new RopeTables();

    private NativeKernels(NativeLibrary lib, int bits) {
        this.bits = bits;
        this.gemm = lib.function("fw_gemm", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_INT, JAVA_INT), true);
        this.loraSegment = lib.function("fw_lora_segment", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS,
                JAVA_LONG), true);
        this.gemmTransposed = lib.function("fw_gemm_t_acc", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT), true);
        this.rmsnorm = lib.function("fw_rmsnorm", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_FLOAT), true);
        this.rope = lib.function("fw_rope", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), true);
        this.softmax = lib.function("fw_softmax", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT), true);
        this.swiglu = lib.function("fw_swiglu", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_INT), true);
        this.attention = lib.function("fw_attention", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    }

    /**
     * Extracts and opens the library packaged in this jar.
     *
     * @throws KernelsUnavailableException with the reason when it cannot be used here
     */
    public static NativeKernels load() {
        return load(512);
    }

    /**
     * As {@link #load()}, but the matmul uses at most {@code maxBits}-wide vectors (256 = the AVX2
     * variant even on an AVX-512 CPU; for tests of that variant).
     */
    public static NativeKernels load(int maxBits) {
        if (maxBits != 256 && maxBits != 512) {
            throw new IllegalArgumentException("maxBits must be 256 or 512, got " + maxBits);
        }
        NativeLibrary lib = NativeLibrary.open(LIBRARY, "native", "gcc was not found when the kernels module was built");
        int abi = lib.callInt("fw_abi_version");
        if (abi != ABI_VERSION) {
            throw new KernelsUnavailableException("native", lib.file() + " has ABI version " + abi + ", expected " + ABI_VERSION, null);
        }
        if (lib.callInt("fw_cpu_supported") != 1) {
            throw new KernelsUnavailableException("native", "this CPU lacks AVX2/FMA/F16C", null);
        }
        return new NativeKernels(lib, Math.min(maxBits, lib.callInt("fw_gemm_bits")));
    }

    @Override
    public String name() {
        return "native";
    }

    /** Instruction set the matmul uses on this CPU ("avx512" or "avx2"). */
    public String isa() {
        return bits == 512 ? "avx512" : "avx2";
    }

    @Override
    public void matmul(float[] y, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, x, batch, w);
        gemm(y, 0, w.rows(), Downcalls.at(x, 0), batch, w, 1f, false);
    }

    @Override
    public void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, yOff, ldy, x, batch, w);
        gemm(y, yOff, ldy, Downcalls.at(x, 0), batch, w, 1f, false);
    }

    @Override
    public void matmul(float[] y, int yOff, int ldy, Matrix x, Matrix w) {
        ShapeChecks.matmul(y, yOff, ldy, x, w);
        gemm(y, yOff, ldy, x.data(), x.rows(), w, 1f, false);
    }

    /** fw_gemm reads x without copying it when x is 64-byte aligned and its rows are whole vectors. */
    @Override
    public boolean readsAlignedInputInPlace() {
        return true;
    }

    /** x: [batch, W.cols] float32 rows, a heap array's segment or native memory (read in place when aligned). */
    private void gemm(float[] y, int yOff, int ldy, MemorySegment x, int batch, Matrix w, float alpha, boolean accumulate) {
        if (batch == 0) {
            return;
        }
        try {
            gemm.invokeExact(Downcalls.at(y, yOff), ldy, x, batch, w.data(), w.dtype().ordinal(), w.rows(), w.cols(), alpha,
                    accumulate ? 1 : 0, bits);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    @Override
    public void matmulTransposedAccumulate(float[] dx, float[] dy, int batch, Matrix w) {
        ShapeChecks.matmulTransposed(dx, dy, batch, w);
        if (batch == 0) {
            return;
        }
        try {
            gemmTransposed.invokeExact(MemorySegment.ofArray(dx), MemorySegment.ofArray(dy), batch, w.data(),
                    w.dtype().ordinal(), w.rows(), w.cols());
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    @Override
    public void loraSgmv(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out) {
        ShapeChecks.lora(y, x, segStart, adapters, scale, in, out);
        float[] t = new float[0];
        for (int s = 0; s < adapters.length; s++) {
            LoraWeights lw = adapters[s];
            int n = segStart[s + 1] - segStart[s];
            if (lw == null || n == 0) {
                continue;
            }
            if (t.length < n * lw.rank()) {
                t = new float[n * lw.rank()];
            }
            // t[n, rank] = x_seg · Aᵀ, then y_seg += scale · t · Bᵀ, in one downcall that also prefetches
            // the next segment's A and B.
            LoraWeights next = null;
            for (int u = s + 1; u < adapters.length && next == null; u++) {
                next = segStart[u + 1] > segStart[u] ? adapters[u] : null;
            }
            MemorySegment nextA = next == null ? MemorySegment.NULL : next.a().data();
            MemorySegment nextB = next == null ? MemorySegment.NULL : next.b().data();
            try {
                loraSegment.invokeExact(MemorySegment.ofArray(y), segStart[s] * out, MemorySegment.ofArray(x), segStart[s] * in, n,
                        lw.a().data(), lw.a().dtype().ordinal(), lw.b().data(), lw.b().dtype().ordinal(), lw.rank(), in, out,
                        scale[s], MemorySegment.ofArray(t), bits, nextA, nextA.byteSize(), nextB, nextB.byteSize());
            } catch (Throwable e) {
                throw Downcalls.rethrow(e, "native kernel call");
            }
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, xOff, n);
        ShapeChecks.range("out", out, outOff, n);
        ShapeChecks.range("weight", weight, 0, n);
        try {
            rmsnorm.invokeExact(Downcalls.at(out, outOff), Downcalls.at(x, xOff), MemorySegment.ofArray(weight), n, eps);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    @Override
    public void rope(float[] x, int off, int nHeads, int headDim, int pos, float theta) {
        RopeTable table = ropeTables.at(headDim, pos, theta);
        ShapeChecks.range("x", x, off, (long) nHeads * headDim);
        try {
            rope.invokeExact(Downcalls.at(x, off), nHeads, headDim, MemorySegment.ofArray(table.cos()), MemorySegment.ofArray(table.sin()));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    /** 8-lane AVX2 with a polynomial exp (within ~2 ulp, see fw_swiglu); the tail under a mask. */
    @Override
    public void swiglu(float[] gate, float[] up, int off, int n) {
        ShapeChecks.swiglu(gate, up, off, n);
        try {
            swiglu.invokeExact(Downcalls.at(gate, off), Downcalls.at(up, off), n);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, off, n);
        try {
            softmax.invokeExact(Downcalls.at(x, off), n);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
    }

    @Override
    public void attention(float[] out, int outOff, float[] q, int qOff, float[] kCache, float[] vCache,
                          int[] blockTable, int blockSize, int seqLen, int nHeads, int nKvHeads, int headDim) {
        ShapeChecks.attention(out, outOff, q, qOff, kCache, vCache, blockTable, blockSize, seqLen, nHeads, nKvHeads, headDim);
        int status;
        try {
            // the [head][position] scores scratch is on the C side (see fw_attention)
            status = (int) attention.invokeExact(Downcalls.at(out, outOff), Downcalls.at(q, qOff), MemorySegment.ofArray(kCache),
                    MemorySegment.ofArray(vCache), MemorySegment.ofArray(blockTable), blockSize, seqLen, nHeads, nKvHeads, headDim);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "native kernel call");
        }
        if (status != 0) {
            throw new OutOfMemoryError("native attention could not allocate scores for " + nHeads + " heads x " + seqLen + " positions");
        }
    }
}
