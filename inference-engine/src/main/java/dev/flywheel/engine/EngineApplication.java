package dev.flywheel.engine;

import io.micronaut.runtime.Micronaut;
import java.util.Map;

/**
 * Starts the inference engine's HTTP server (OpenAI-compatible API, adapter hot-load, /metrics,
 * /health) with the model in {@code flywheel.engine.model-dir}, on port 8000 unless
 * {@code micronaut.server.port} says otherwise (the default is set here, not in a resource file, because
 * the one-JVM launcher puts every service's resources on one classpath).
 */
public final class EngineApplication {
    private EngineApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args)
                .mainClass(EngineApplication.class)
                .properties(Map.of("micronaut.server.port", System.getProperty("micronaut.server.port", "8000")))
                .start();
    }
}
