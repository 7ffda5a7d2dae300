package dev.flywheel.splitter;

import io.micronaut.runtime.Micronaut;

/**
 * The traffic splitter on its own: the OpenAI-compatible proxy ({@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/models}), the experiment API ({@code /v1/experiments}), {@code /openapi.yml}, {@code /metrics} and
 * {@code /health} (port 8080 by default; configuration under {@code flywheel.*}, see
 * {@link dev.flywheel.splitter.config.SplitterConfig}).
 */
public final class SplitterApplication {
    private SplitterApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args)
                .mainClass(SplitterApplication.class)
                .properties(java.util.Map.of("micronaut.server.port", System.getProperty("micronaut.server.port", "8080")))
                .start();
    }
}
