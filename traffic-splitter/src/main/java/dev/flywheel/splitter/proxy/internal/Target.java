package dev.flywheel.splitter.proxy.internal;

import dev.flywheel.splitter.experiments.Variant;
import java.net.URI;

/**
 * One backend call: where, the model asked for, the request body as sent (serialised once), and the variant
 * ({@code null} outside every experiment).
 */
public record Target(URI baseUrl, String model, byte[] body, Variant variant, double costPer1kTokens) {
    public Target {
        if (baseUrl == null || model == null || body == null) {
            throw new IllegalArgumentException("baseUrl, model and body are required");
        }
    }

    /** Base URL + the route's path ({@code /v1/...}); a base that already ends in {@code /v1} is not doubled. */
    public URI uri(String path) {
        return resolve(baseUrl, path);
    }

    public static URI resolve(URI baseUrl, String path) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (base.endsWith("/v1") && path.startsWith("/v1/")) {
            base = base.substring(0, base.length() - 3);
        }
        return URI.create(base + path);
    }
}
