package dev.flywheel.engine.batching;

/** Turns generated token ids into text ({@code Tokenizer::decode}); may end in U+FFFD mid-character. */
@FunctionalInterface
public interface TextDecoder {
    String decode(int[] tokens);
}
