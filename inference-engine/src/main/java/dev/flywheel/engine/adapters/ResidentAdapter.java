package dev.flywheel.engine.adapters;

import dev.flywheel.engine.lora.LoraAdapter;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An adapter loaded into memory under a served model name. {@code generation} increases with every
 * load (also a reload after LRU eviction), so prefix-cache entries of earlier weights are never
 * reused: the cache namespace includes it.
 */
public record ResidentAdapter(String name, long generation, Path path, LoraAdapter weights) {
    public ResidentAdapter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(weights, "weights");
        if (generation < 1) {
            throw new IllegalArgumentException("generation must be >= 1, got " + generation);
        }
    }

    /** The prefix-cache key space of this adapter's weights (the base model uses "base"). */
    public String cacheNamespace() {
        return "adapter:" + name + "#" + generation;
    }
}
