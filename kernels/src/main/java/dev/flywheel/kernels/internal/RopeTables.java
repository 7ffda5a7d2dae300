package dev.flywheel.kernels.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link RopeTable}s computed once per (headDim, theta, position) and reused: a decode step ropes
 * every row of every layer (384 calls at batch 32 for the 6-layer bench model), and computing the
 * table costs headDim/2 pow + cos + sin in double, more than the rotation itself. The cached tables
 * are the very arrays {@code new RopeTable(...)} returns, so results do not change. Positions from
 * {@link #MAX_POSITIONS} on, and shapes beyond the first {@link #MAX_SHAPES}, are computed per call.
 * Thread-safe; a race computes the same table twice and keeps either.
 */
final class RopeTables {
    static final int MAX_POSITIONS = 1 << 14;
    static final int MAX_SHAPES = 8;

    private record Shape(int headDim, int thetaBits) {}

    private final ConcurrentHashMap<Shape, AtomicReferenceArray<RopeTable>> byShape = new ConcurrentHashMap<>();

    /** The table for {@code pos}; validates the arguments exactly as {@link RopeTable} does. */
    RopeTable at(int headDim, int pos, float theta) {
        if (pos < 0 || pos >= MAX_POSITIONS) {
            return new RopeTable(headDim, pos, theta);
        }
        Shape shape = new Shape(headDim, Float.floatToIntBits(theta));
        AtomicReferenceArray<RopeTable> tables = byShape.get(shape);
        if (tables == null) {
            RopeTable first = new RopeTable(headDim, pos, theta); // validates before anything is cached
            if (byShape.size() >= MAX_SHAPES) {
                return first;
            }
            tables = byShape.computeIfAbsent(shape, s -> new AtomicReferenceArray<>(MAX_POSITIONS));
            tables.compareAndSet(pos, null, first);
            return first;
        }
        RopeTable t = tables.get(pos);
        if (t == null) {
            t = new RopeTable(headDim, pos, theta);
            tables.compareAndSet(pos, null, t);
        }
        return t;
    }
}
