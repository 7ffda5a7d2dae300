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
    /** Generated tokens whose text ends on a whole character, and that text (for concatenating decoders). */
    private int wholeTokens;
    private String wholeText = "";

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

    /**
     * The text of the generated tokens. A concatenating decoder ({@link TextDecoder#concatenates()}) is asked
     * only for the tokens after the last point where the text ended on a whole character; any other decoder
     * for all of them.
     */
    String decodeGenerated() {
        TextDecoder decoder = request.decoder();
        if (!decoder.concatenates()) {
            return decoder.decode(generated());
        }
        String tail = decoder.decode(Arrays.copyOfRange(tokens, promptLength + wholeTokens, length));
        String all = wholeText.concat(tail);
        if (tail.isEmpty() || endsOnWholeCharacter(tail)) {
            wholeTokens = generatedCount();
            wholeText = all;
        }
        return all;
    }

    private static boolean endsOnWholeCharacter(String text) {
        char last = text.charAt(text.length() - 1);
        return last != '\uFFFD' && !Character.isHighSurrogate(last);
    }

    /** Tokens to feed this step: the uncomputed prompt, or the last sampled token. */
    int[] feed() {
        return Arrays.copyOfRange(tokens, computed, length);
    }

    String adapterKey() {
        return request.cacheNamespace();
    }
}
