package dev.flywheel.engine.chat;

/**
 * Rendering a chat template failed: the template raised (e.g. "roles must alternate") or is
 * malformed. For a template's own raise_exception the caller's messages are at fault (a 4xx);
 * otherwise the model's tokenizer_config.json is.
 */
public final class ChatTemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    public ChatTemplateException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** True when the template itself rejected the messages through raise_exception. */
    public boolean raisedByTemplate() { return raisedByTemplate; }
}
