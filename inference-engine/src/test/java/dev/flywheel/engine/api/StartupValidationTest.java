package dev.flywheel.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.engine.EngineConfig;
import dev.flywheel.engine.batching.BatchScheduler;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration stops the engine at start-up with the property named. */
class StartupValidationTest {
    @TempDir
    Path dir;

    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    /** Starts with {@code properties} plus auth switched off (so only the property under test can fail). */
    private static Throwable startFails(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.putIfAbsent("flywheel.auth.enabled", false);
        return assertThrows(RuntimeException.class, () -> ApplicationContext.run(EmbeddedServer.class, all).close());
    }

    @Test
    void aZeroMaxBatchFailsStartUpNamingTheProperty() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("flywheel.engine.model-dir", model.toString(), "micronaut.server.port", -1, "flywheel.engine.max-batch", 0)));
        assertTrue(why.contains("flywheel.engine.max-batch must be >= 1, got 0"), why);
    }

    @Test
    void aMissingModelDirectoryFailsStartUpNamingTheProperty() {
        String why = causes(startFails(Map.of("flywheel.engine.model-dir", dir.resolve("nothing").toString(), "micronaut.server.port", -1)));
        assertTrue(why.contains("flywheel.engine.model-dir must be an existing model directory"), why);
    }

    @Test
    void anUnknownKernelsNameFailsStartUp() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("flywheel.engine.model-dir", model.toString(), "micronaut.server.port", -1, "flywheel.engine.kernels", "gpu9000")));
        assertTrue(why.contains("flywheel.engine.kernels must be"), why);
    }

    @Test
    void authEnabledWithoutAnyTokenFailsStartUpSayingHowToFixIt() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("flywheel.engine.model-dir", model.toString(), "micronaut.server.port", -1,
                "flywheel.auth.enabled", true)));
        assertTrue(why.contains("flywheel.auth.admin-tokens and flywheel.auth.client-tokens are both empty"), why);
        assertTrue(why.contains("flywheel.auth.enabled=false"), why);
    }

    @Test
    void aShortTokenFailsStartUp() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("flywheel.engine.model-dir", model.toString(), "micronaut.server.port", -1,
                "flywheel.auth.enabled", true, "flywheel.auth.admin-tokens", List.of("short"))));
        assertTrue(why.contains("admin tokens must be at least 16 characters"), why);
        assertFalse(why.contains("short"), "the token itself is never printed: " + why);
    }

    @Test
    void aDisabledEngineStartsWithoutAModelAndServesNoEngineRoute() throws Exception {
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "flywheel.engine.enabled", false, "micronaut.server.port", -1,
                "flywheel.engine.model-dir", dir.resolve("nothing").toString()))) {
            assertFalse(server.getApplicationContext().containsBean(EngineConfig.class));
            assertFalse(server.getApplicationContext().containsBean(BatchScheduler.class));
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.getURL() + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, health.statusCode());
        }
    }
}
