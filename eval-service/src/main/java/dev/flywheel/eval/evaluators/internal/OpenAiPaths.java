package dev.flywheel.eval.evaluators.internal;

import java.net.URI;

/** Joins an OpenAI-compatible base URL (with or without a trailing /v1) and an endpoint path. */
public final class OpenAiPaths {
    private OpenAiPaths() {}

    /** resolve("http://h:8000", "chat/completions") = http://h:8000/v1/chat/completions; a base ending in /v1 is kept. */
    public static URI resolve(URI base, String path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        if (!b.endsWith("/v1")) {
            b = b + "/v1";
        }
        return URI.create(b + "/" + path);
    }
}
