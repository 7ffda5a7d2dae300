package dev.flywheel.splitter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's blocking-socket load generator against the instant stub backend. */
class SocketLoadTest {
    @Test
    void drivesPacedLoadAgainstTheInstantBackendWithoutErrors() throws Exception {
        try (var backend = new InstantBackend();
             var load = new SocketLoad(URI.create(backend.url() + "/v1/chat/completions"), Map.of(), "{}".getBytes(StandardCharsets.UTF_8), 4)) {
            // Twice over the same four connections: a misread answer (framing) would fail the next request on that
            // connection, in this run or the next, and count as an error.
            for (int run = 0; run < 2; run++) {
                var result = load.run(200, 1);
                assertEquals(0, result.errors());
                assertTrue(result.sortedUs().length > 4, "only " + result.sortedUs().length + " answers in 1 s at 200 req/s");
                // Paced, not back to back: each connection sends every 20 ms, so at most 51 each in the second.
                assertTrue(result.sortedUs().length <= 4 * 51, result.sortedUs().length + " answers in 1 s at 200 req/s");
            }
            assertEquals(4, backend.connectionsAccepted(), "the connections are kept from one run to the next");
        }
    }
}
