package dev.flywheel.kernels.internal;

import dev.flywheel.kernels.Kernels;
import dev.flywheel.kernels.KernelsUnavailableException;
import java.util.List;

/**
 * Builds an implementation by name and picks the fastest one that can run in this process. Nothing
 * is cached: each call constructs a fresh, stateless instance (loading the native library again is a
 * reference-counted dlopen of the already-extracted file).
 */
public final class KernelsSelector {
    /** Preference order of {@link #best()}: fastest first (see the kernels README for the measurements). */
    public static final List<String> PREFERENCE = List.of("native", "vector", "scalar");
    public static final List<String> NAMES = List.of("scalar", "vector", "native", "cuda");

    private static final System.Logger LOG = System.getLogger(Kernels.class.getName());

    private KernelsSelector() {
    }

    public static Kernels named(String name) {
        if (name == null) {
            throw new IllegalArgumentException("kernels name must be one of " + NAMES + ", got null");
        }
        return switch (name) {
            case "scalar" -> new ScalarKernels();
            case "vector" -> vector();
            case "native" -> NativeKernels.load();
            case "cuda" -> CudaKernels.load();
            default -> throw new IllegalArgumentException("kernels name must be one of " + NAMES + ", got '" + name + "'");
        };
    }

    private static Kernels vector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new KernelsUnavailableException("vector", "the JVM was started without --add-modules jdk.incubator.vector", null);
        }
        String reason = VectorKernels.unavailableReason();
        if (reason != null) {
            throw new KernelsUnavailableException("vector", reason, null);
        }
        return new VectorKernels();
    }

    public static Kernels best() {
        for (String name : PREFERENCE) {
            try {
                Kernels k = named(name);
                LOG.log(System.Logger.Level.INFO, "using {0} kernels", describe(k));
                return k;
            } catch (KernelsUnavailableException e) {
                LOG.log(System.Logger.Level.INFO, "{0}; falling back", e.getMessage());
            }
        }
        throw new IllegalStateException("the scalar kernels are always available");
    }

    private static String describe(Kernels k) {
        return k instanceof NativeKernels n ? "native (" + n.isa() + ")" : k.name();
    }
}
