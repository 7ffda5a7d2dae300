package dev.flywheel.kernels.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.KernelsUnavailableException;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * A thin binding to the CUDA kernels (src/main/cuda/flywheel_kernels.cu) through their host-pointer
 * entry points: every call copies its inputs to the GPU and the result back, so it proves the kernels
 * right rather than fast. An engine that wants GPU speed keeps weights and KV resident and calls the
 * {@code fw_cuda_*_dev} entry points instead. Loaded only where the NVIDIA driver is present.
 */
final class CudaKernels implements Kernels {
    private static final int ABI_VERSION = 1;

    private final MethodHandle gemm;
    private final MethodHandle gemmTransposed;
    private final MethodHandle rmsnorm;
    private final MethodHandle rope;
    private final MethodHandle softmax;
    private final MethodHandle attention;

    private CudaKernels(NativeLibrary lib) {
        this.gemm = lib.function("fw_cuda_gemm", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_INT), true);
        this.gemmTransposed = lib.function("fw_cuda_gemm_t_acc", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT), true);
        this.rmsnorm = lib.function("fw_cuda_rmsnorm", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_FLOAT), true);
        this.rope = lib.function("fw_cuda_rope", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_FLOAT), true);
        this.softmax = lib.function("fw_cuda_softmax", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
        this.attention = lib.function("fw_cuda_attention", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
    }

    /** @throws KernelsUnavailableException without an NVIDIA driver, a built library or a visible device */
    static CudaKernels load() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new KernelsUnavailableException("cuda", "no NVIDIA driver here (libcuda.so.1 cannot be loaded)", e);
        }
        NativeLibrary lib = NativeLibrary.open("libflywheel_cuda.so", "cuda", "nvcc was not found when the kernels module was built");
        int abi = lib.callInt("fw_cuda_abi_version");
        if (abi != ABI_VERSION) {
            throw new KernelsUnavailableException("cuda", lib.file() + " has ABI version " + abi + ", expected " + ABI_VERSION, null);
        }
        if (lib.callInt("fw_cuda_device_count") < 1) {
            throw new KernelsUnavailableException("cuda", "the driver reports no usable CUDA device", null);
        }
        return new CudaKernels(lib);
    }

    @Override
    public String name() {
        return "cuda";
    }

    private static void check(String function, int code) {
        if (code != 0) {
            throw new IllegalStateException(function + " failed with cudaError_t " + code);
        }
    }

    @Override
    public void matmul(float[] y, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, x, batch, w);
        gemm(y, 0, x, 0, batch, w, 1f, false);
    }

    /** Through a [batch, W.rows] buffer: this binding copies per call anyway. */
    @Override
    public void matmul(float[] y, int yOff, int ldy, float[] x, int batch, Matrix w) {
        ShapeChecks.matmul(y, yOff, ldy, x, batch, w);
        float[] part = new float[batch * w.rows()];
        gemm(part, 0, x, 0, batch, w, 1f, false);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(part, b * w.rows(), y, yOff + b * ldy, w.rows());
        }
    }

    private void gemm(float[] y, int yOff, float[] x, int xOff, int batch, Matrix w, float alpha, boolean accumulate) {
        if (batch == 0) {
            return;
        }
        try {
            check("fw_cuda_gemm", (int) gemm.invokeExact(Downcalls.at(y, yOff), Downcalls.at(x, xOff), batch, w.data(), w.dtype().ordinal(),
                    w.rows(), w.cols(), alpha, accumulate ? 1 : 0));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }

    @Override
    public void matmulTransposedAccumulate(float[] dx, float[] dy, int batch, Matrix w) {
        ShapeChecks.matmulTransposed(dx, dy, batch, w);
        if (batch == 0) {
            return;
        }
        try {
            check("fw_cuda_gemm_t_acc", (int) gemmTransposed.invokeExact(MemorySegment.ofArray(dx), MemorySegment.ofArray(dy),
                    batch, w.data(), w.dtype().ordinal(), w.rows(), w.cols()));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }

    @Override
    public void loraSgmv(float[] y, float[] x, int[] segStart, LoraWeights[] adapters, float[] scale, int in, int out) {
        ShapeChecks.lora(y, x, segStart, adapters, scale, in, out);
        for (int s = 0; s < adapters.length; s++) {
            LoraWeights lw = adapters[s];
            int n = segStart[s + 1] - segStart[s];
            if (lw == null || n == 0) {
                continue;
            }
            float[] t = new float[n * lw.rank()];
            gemm(t, 0, x, segStart[s] * in, n, lw.a(), 1f, false);
            gemm(y, segStart[s] * out, t, 0, n, lw.b(), scale[s], true);
        }
    }

    @Override
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, xOff, n);
        ShapeChecks.range("out", out, outOff, n);
        ShapeChecks.range("weight", weight, 0, n);
        try {
            check("fw_cuda_rmsnorm", (int) rmsnorm.invokeExact(Downcalls.at(out, outOff), Downcalls.at(x, xOff), MemorySegment.ofArray(weight), n, eps));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }

    @Override
    public void rope(float[] x, int off, int nHeads, int headDim, int pos, float theta) {
        RopeTable.checkedHalf(headDim, pos, theta); // the CPU kernels' checks, without computing a table the GPU does not use
        ShapeChecks.range("x", x, off, (long) nHeads * headDim);
        try {
            check("fw_cuda_rope", (int) rope.invokeExact(Downcalls.at(x, off), nHeads, headDim, pos, theta));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }

    /**
     * On the host, as the scalar reference: this binding copies per call, and one elementwise pass is
     * not worth two copies (an engine keeping activations on the GPU would fuse it into its kernels).
     */
    @Override
    public void swiglu(float[] gate, float[] up, int off, int n) {
        Kernels.scalar().swiglu(gate, up, off, n);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        ShapeChecks.positive("n", n);
        ShapeChecks.range("x", x, off, n);
        try {
            check("fw_cuda_softmax", (int) softmax.invokeExact(Downcalls.at(x, off), n));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }

    @Override
    public void attention(float[] out, int outOff, float[] q, int qOff, float[] kCache, float[] vCache,
                          int[] blockTable, int blockSize, int seqLen, int nHeads, int nKvHeads, int headDim) {
        ShapeChecks.attention(out, outOff, q, qOff, kCache, vCache, blockTable, blockSize, seqLen, nHeads, nKvHeads, headDim);
        try {
            check("fw_cuda_attention", (int) attention.invokeExact(Downcalls.at(out, outOff), Downcalls.at(q, qOff), MemorySegment.ofArray(kCache),
                    MemorySegment.ofArray(vCache), (long) Math.min(kCache.length, vCache.length), MemorySegment.ofArray(blockTable),
                    blockTable.length, blockSize, seqLen, nHeads, nKvHeads, headDim));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t, "CUDA kernel call");
        }
    }
}
