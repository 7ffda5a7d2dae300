package dev.flywheel.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local-services script fails with one clear sentence on bad set-ups, and stopping is always safe. */
class LocalServicesScriptTest {
    private final Path script = ServiceEndpoints.repositoryRoot().resolve("infra/local/services.sh");

    record Result(int exit, String stdout, String stderr) {}

    private Result run(Path home, Map<String, String> env, String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), command);
        pb.environment().put("FLYWHEEL_HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "services.sh " + command + " did not finish");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void portInUseEndsWithOneSentenceNamingThePortAndTheVariable(@TempDir Path home) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result r = run(home, Map.of("FLYWHEEL_CH_HTTP_PORT", Integer.toString(port)), "up");
            assertEquals(1, r.exit());
            assertTrue(r.stderr().contains("port " + port + " is in use"), r.stderr());
            assertTrue(r.stderr().contains("FLYWHEEL_CH_HTTP_PORT"), r.stderr());
            assertFalse(r.stderr().contains("Exception"), r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        }
    }

    @Test
    void downIsSafeWhenNothingRunsAndSafeTwice(@TempDir Path home) throws Exception {
        assertEquals(0, run(home, Map.of(), "down").exit());
        assertEquals(0, run(home, Map.of(), "down").exit());
        Result status = run(home, Map.of(), "status");
        assertTrue(status.stdout().contains("kafka: stopped") && status.stdout().contains("clickhouse: stopped"), status.stdout());
        assertFalse(Files.exists(home.resolve("kafka/pid")));
    }

    @Test
    void unknownCommandPrintsUsage(@TempDir Path home) throws Exception {
        Result r = run(home, Map.of(), "sideways");
        assertEquals(2, r.exit());
        assertTrue(r.stderr().contains("usage"), r.stderr());
    }
}
