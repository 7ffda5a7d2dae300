package dev.flywheel.retrain;

import io.micronaut.runtime.Micronaut;

import java.util.Map;

/**
 * Runs the retrain scheduler alone (port 8083): policies, nightly schedules, {@code /retrain-runs}. The other
 * services' beans on the classpath (engine, eval) are switched off here; the launcher runs all in one JVM instead.
 */
public final class RetrainApplication {
    private RetrainApplication() {}

    public static void main(String[] args) {
        Micronaut.build(args).mainClass(RetrainApplication.class).properties(Map.of(
                "micronaut.server.port", System.getProperty("micronaut.server.port", "8083"),
                "flywheel.eval.enabled", "false",
                "flywheel.engine.enabled", "false")).start();
    }
}
