package dev.flywheel.engine;

import io.micronaut.runtime.Micronaut;

/**
 * Starts the inference engine's HTTP server (OpenAI-compatible API, adapter hot-load, /metrics,
 * /health) with the model in {@code engine.model-dir}.
 */
public final class EngineApplication {
    private EngineApplication() {}

    public static void main(String[] args) {
        Micronaut.run(EngineApplication.class, args);
    }
}
