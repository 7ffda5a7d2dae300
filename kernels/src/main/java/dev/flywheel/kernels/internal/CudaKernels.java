package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.KernelsUnavailableException;

/** Placeholder until the CUDA binding lands. */
final class CudaKernels {
    private CudaKernels() {
    }

    static dev.flywheel.kernels.Kernels load() {
        throw new KernelsUnavailableException("cuda", "the CUDA binding is not built yet", null);
    }
}
