package dev.flywheel.splitter.proxy;

/** The OpenAI endpoints the proxy forwards. */
public enum Route {
    CHAT("/v1/chat/completions", "chat"), COMPLETIONS("/v1/completions", "completions");

    private final String path;
    private final String tag;

    Route(String path, String tag) {
        this.path = path;
        this.tag = tag;
    }

    public String path() {
        return path;
    }

    /** Short name used in metrics and event attributes. */
    public String tag() {
        return tag;
    }

    public boolean chat() {
        return this == CHAT;
    }
}
