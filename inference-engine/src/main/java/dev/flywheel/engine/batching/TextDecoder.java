package dev.flywheel.engine.batching;

/** Turns generated token ids into text ({@code Tokenizer::decode}); may end in U+FFFD mid-character. */
@FunctionalInterface
public interface TextDecoder {
    String decode(int[] tokens);

    /**
     * True when the text of tokens a ++ b is the text of a followed by the text of b whenever the text of a
     * ends on a whole character (its last char neither U+FFFD nor a high surrogate), as for byte-level BPE,
     * whose tokens are byte strings. The scheduler then decodes only the tokens after the last such point
     * each step, instead of the whole generation (quadratic over a long one).
     */
    default boolean concatenates() {
        return false;
    }

    /** {@code decoder}, declared to concatenate (see {@link #concatenates()}). */
    static TextDecoder concatenating(TextDecoder decoder) {
        return new TextDecoder() {
            @Override
            public String decode(int[] tokens) {
                return decoder.decode(tokens);
            }

            @Override
            public boolean concatenates() {
                return true;
            }
        };
    }
}
