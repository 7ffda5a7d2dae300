package dev.flywheel.engine.sampling;

/** A sampling parameter is out of range; {@link #param()} is its OpenAI wire name (for example "top_p"). */
public final class InvalidSamplingException extends IllegalArgumentException {
    private final String param;

    public InvalidSamplingException(String param, String problem) {
        super(param + " " + problem);
        this.param = param;
    }

    public String param() {
        return param;
    }
}
