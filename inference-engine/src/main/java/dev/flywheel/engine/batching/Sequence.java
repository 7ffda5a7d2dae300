package dev.flywheel.engine.batching;

import dev.flywheel.engine.cache.SequenceKv;
import dev.flywheel.engine.sampling.StopSequences;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request's state inside the scheduler: tokens = prompt then generated ones, in one array sized
 * for prompt + max_tokens; {@code computed} tokens have their KV in the cache. Engine thread only,
 * except {@link #cancelled}.
 */
final class Sequence {
    final GenerationRequest request;
    final Instant submitted;
    final AtomicBoolean cancelled = new AtomicBoolean();
    final StopSequences stops;
    final int[] tokens;
    final int promptLength;
    int length;
    int computed;
    SequenceKv kv;
    Instant firstToken;
    String text = "";
    int emitted;

    Sequence(GenerationRequest request, Instant submitted) {
        this.request = request;
        this.submitted = submitted;
        this.stops = new StopSequences(request.params().stop());
        this.promptLength = request.prompt().length;
        this.tokens = Arrays.copyOf(request.prompt(), promptLength + request.params().maxTokens());
        this.length = promptLength;
    }

    boolean prefilling() {
        return computed < promptLength;
    }

    int generatedCount() {
        return length - promptLength;
    }

    int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, length);
    }

    /** Tokens to feed this step: the uncomputed prompt, or the last sampled token. */
    int[] feed() {
        return Arrays.copyOfRange(tokens, computed, length);
    }

    String adapterKey() {
        return request.cacheNamespace();
    }
}
