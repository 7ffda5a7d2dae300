package dev.flywheel.kernels;

/**
 * A requested implementation cannot run in this process (no native library for this platform, no
 * GPU, Vector API module not added, ...). The message says why. Fatal for that implementation;
 * {@link Kernels#best()} catches it and falls back.
 */
public final class KernelsUnavailableException extends RuntimeException {
    private final String implementation;

    public KernelsUnavailableException(String implementation, String reason, Throwable cause) {
        super(implementation + " kernels unavailable: " + reason, cause);
        this.implementation = implementation;
    }

    /** The implementation's {@link Kernels#name()}. */
    public String implementation() {
        return implementation;
    }
}
