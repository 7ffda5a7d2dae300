package dev.flywheel.eval;

import io.micronaut.runtime.Micronaut;

/**
 * Runs the eval service alone (port 8082 unless micronaut.server.port says otherwise): registry, online scoring,
 * datasets and runs, rewards. The launcher runs it in one JVM with the other services instead.
 */
public final class EvalApplication {
    private EvalApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(EvalApplication.class)
                .properties(java.util.Map.of("micronaut.server.port", System.getProperty("micronaut.server.port", "8082")))
                .start();
    }
}
