package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * JSON over HTTP to one Flywheel service with one bearer token. Every non-2xx answer is a {@link DemoException}
 * naming the call and carrying the service's error body, so the demo stops with the reason rather than a stack
 * of nulls.
 */
public final class ServiceCalls {
    private final HttpClient http;
    private final URI base;
    private final String token;
    private final ObjectMapper mapper;

    public ServiceCalls(HttpClient http, URI base, String token, ObjectMapper mapper) {
        this.http = http;
        this.base = base;
        this.token = token;
        this.mapper = mapper;
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path) throws InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), "GET " + path);
    }

    public JsonNode post(String path, Object body) throws InterruptedException {
        try {
            return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))), "POST " + path);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DemoException("cannot encode the body of POST " + path, e);
        }
    }

    private JsonNode send(HttpRequest.Builder b, String what) throws InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(b.timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DemoException(what + " to " + base + " failed: " + e.getMessage(), e);
        }
        if (r.statusCode() / 100 != 2) {
            throw new DemoException(what + " to " + base + " answered HTTP " + r.statusCode() + ": " + r.body(), null);
        }
        try {
            return r.body().isEmpty() ? mapper.createObjectNode() : mapper.readTree(r.body());
        } catch (IOException e) {
            throw new DemoException(what + " answered malformed JSON: " + r.body(), e);
        }
    }
}
