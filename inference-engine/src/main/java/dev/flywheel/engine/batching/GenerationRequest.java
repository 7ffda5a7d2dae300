package dev.flywheel.engine.batching;

import dev.flywheel.engine.adapters.ResidentAdapter;
import dev.flywheel.engine.sampling.SamplingParams;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * One generation to run.
 *
 * @param prompt   prompt token ids (non-empty; copied)
 * @param adapter  the LoRA adapter, or null for the base model
 * @param rng      the request's own generator (seeded from the request's seed when it has one)
 * @param decoder  turns generated tokens into text, for stop sequences and streaming
 */
public record GenerationRequest(String id, int[] prompt, ResidentAdapter adapter, SamplingParams params,
                                RandomGenerator rng, TextDecoder decoder, GenerationListener listener) {
    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(rng, "rng");
        Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(listener, "listener");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must have at least one token");
        }
        prompt = prompt.clone();
    }

    /** The prefix-cache key space: "base" or the adapter's generation-specific namespace. */
    public String cacheNamespace() {
        return adapter == null ? "base" : adapter.cacheNamespace();
    }
}
