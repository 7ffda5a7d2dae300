package dev.flywheel.kernels;

/** Element types a weight matrix may be stored in. Activations are always float32. */
public enum DType {
    F32(4), BF16(2), F16(2);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }
}
