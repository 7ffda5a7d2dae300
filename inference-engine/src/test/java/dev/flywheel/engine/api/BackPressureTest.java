package dev.flywheel.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full admission queue answers 429 with Retry-After; shutting down answers the waiting request 503. */
class BackPressureTest {
    @TempDir
    Path dir;

    @Test
    void aFullQueueIs429WithRetryAfterAndWaitingRequestsGet503OnShutdown() throws Exception {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 3);
        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "flywheel.engine.model-dir", model.toString(), "micronaut.server.port", -1, "flywheel.engine.kernels", "scalar",
                "flywheel.engine.queue-bound", 1, "test.paused-scheduler", "true", "flywheel.auth.enabled", false));
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"model\":\"tiny\",\"prompt\":\"wait\",\"max_tokens\":2}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.getURL() + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            awaitQueueDepth(http, server, 1);

            HttpResponse<String> rejected = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(429, rejected.statusCode(), rejected.body());
            int retryAfter = Integer.parseInt(rejected.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1);
            assertEquals("server_overloaded", new ObjectMapper().readTree(rejected.body()).get("error").get("type").asText());

            server.getApplicationContext().close();
            HttpResponse<String> drained = waiting.get(30, TimeUnit.SECONDS);
            assertEquals(503, drained.statusCode(), drained.body());
        } finally {
            if (server.isRunning()) {
                server.close();
            }
        }
    }

    private static void awaitQueueDepth(HttpClient http, EmbeddedServer server, int depth) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        HttpRequest metrics = HttpRequest.newBuilder(URI.create(server.getURL() + "/metrics")).GET().build();
        while (Instant.now().isBefore(deadline)) {
            String text = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
            if (text.contains("engine_queue_depth " + (double) depth)) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("queue depth never reached " + depth);
    }
}
