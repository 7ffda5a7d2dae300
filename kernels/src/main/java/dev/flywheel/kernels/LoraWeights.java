package dev.flywheel.kernels;

import java.util.Objects;

/** One adapter's low-rank pair for one projection: A: [rank, in], B: [out, rank]. */
public record LoraWeights(Matrix a, Matrix b) {
    public LoraWeights {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.rows() != b.cols()) {
            throw new IllegalArgumentException("LoRA rank mismatch: A has " + a.rows() + " rows, B has " + b.cols() + " cols");
        }
    }

    public int rank() { return a.rows(); }
}
