package dev.flywheel.eval.runs.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.eval.runs.VariantTarget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * One non-streaming call to an OpenAI-compatible {@code /v1/chat/completions}, retried on 5xx/429/IO errors
 * ({@code retries} more attempts, linear backoff of 200 ms). The {@code seed} makes repeats reproducible on
 * backends that honour it.
 */
public final class ChatClient {
    /** A completion with its usage and wall-clock latency (ms). */
    public record Generation(String content, long promptTokens, long completionTokens, double latencyMs) {}

    private final HttpClient http;
    private final ObjectMapper mapper;
    private final Duration timeout;
    private final int retries;

    public ChatClient(HttpClient http, ObjectMapper mapper, Duration timeout, int retries) {
        this.http = http;
        this.mapper = mapper;
        this.timeout = timeout;
        this.retries = retries;
    }

    public Generation complete(VariantTarget v, List<ChatMessage> messages, long seed) throws IOException, InterruptedException {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", v.model());
        ArrayNode msgs = body.putArray("messages");
        messages.forEach(m -> msgs.addObject().put("role", m.role()).put("content", m.content()));
        if (v.temperature() != null) {
            body.put("temperature", v.temperature());
        }
        if (v.maxTokens() != null) {
            body.put("max_tokens", v.maxTokens());
        }
        body.put("seed", seed);
        HttpRequest.Builder rb = HttpRequest.newBuilder(resolve(v.baseUrl())).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (!v.apiKey().isEmpty()) {
            rb.header("Authorization", "Bearer " + v.apiKey());
        }
        HttpRequest request = rb.build();
        IOException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                Thread.sleep(200L * attempt);
            }
            long start = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                double ms = (System.nanoTime() - start) / 1e6;
                if (r.statusCode() == 200) {
                    JsonNode n = mapper.readTree(r.body());
                    JsonNode content = n.path("choices").path(0).path("message").path("content");
                    if (!content.isTextual()) {
                        throw new IOException("variant answered without choices[0].message.content");
                    }
                    return new Generation(content.asText(), n.path("usage").path("prompt_tokens").asLong(0),
                            n.path("usage").path("completion_tokens").asLong(0), ms);
                }
                last = new IOException("variant answered HTTP " + r.statusCode() + ": "
                        + r.body().substring(0, Math.min(200, r.body().length())));
                if (r.statusCode() != 429 && r.statusCode() < 500) {
                    throw last;
                }
            } catch (java.net.http.HttpTimeoutException e) {
                last = new IOException("variant timed out after " + timeout.toMillis() + " ms", e);
            } catch (IOException e) {
                if (e == last) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    static URI resolve(URI base) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return URI.create((b.endsWith("/v1") ? b : b + "/v1") + "/chat/completions");
    }
}
