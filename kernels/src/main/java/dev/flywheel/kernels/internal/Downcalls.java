package dev.flywheel.kernels.internal;

import java.lang.foreign.MemorySegment;

/** What the native and CUDA bindings share around their FFM downcalls. */
final class Downcalls {
    private Downcalls() {}

    /** A heap array from float index {@code off} on, for a critical downcall (no copy). */
    static MemorySegment at(float[] a, int off) {
        MemorySegment s = MemorySegment.ofArray(a);
        return off == 0 ? s : s.asSlice(off * 4L);
    }

    /** {@code invokeExact} declares Throwable: runtime exceptions pass, errors are rethrown, the rest is wrapped. */
    static RuntimeException rethrow(Throwable t, String what) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(what + " failed", t);
    }
}
