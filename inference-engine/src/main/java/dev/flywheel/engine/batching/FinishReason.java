package dev.flywheel.engine.batching;

/** Why a generation ended, with the OpenAI wire name. */
public enum FinishReason {
    /** End-of-sequence token or a stop sequence. */
    STOP("stop"),
    /** max_tokens reached. */
    LENGTH("length"),
    /** The client cancelled (for example it closed its stream). */
    CANCELLED("abort");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
