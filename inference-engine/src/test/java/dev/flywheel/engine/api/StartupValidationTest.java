package dev.flywheel.engine.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
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

    private static Throwable startFails(Map<String, Object> properties) {
        return assertThrows(RuntimeException.class, () -> ApplicationContext.run(EmbeddedServer.class, properties).close());
    }

    @Test
    void aZeroMaxBatchFailsStartUpNamingTheProperty() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("engine.model-dir", model.toString(), "engine.port", -1, "engine.max-batch", 0)));
        assertTrue(why.contains("engine.max-batch must be >= 1, got 0"), why);
    }

    @Test
    void aMissingModelDirectoryFailsStartUpNamingTheProperty() {
        String why = causes(startFails(Map.of("engine.model-dir", dir.resolve("nothing").toString(), "engine.port", -1)));
        assertTrue(why.contains("engine.model-dir must be an existing model directory"), why);
    }

    @Test
    void anUnknownKernelsNameFailsStartUp() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 1);
        String why = causes(startFails(Map.of("engine.model-dir", model.toString(), "engine.port", -1, "engine.kernels", "gpu9000")));
        assertTrue(why.contains("engine.kernels must be"), why);
    }
}
