package dev.flywheel.retrain.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * POST {engine}/v1/load_lora_adapter {"lora_name", "lora_path"} with an admin token. An adapter the engine already
 * has under that name counts as loaded (the engine answers 400 "already loaded"), so a resumed deploy is harmless.
 */
public final class HttpAdapterLoader implements AdapterLoader {
    private final HttpClient http;
    private final URI engine;
    private final String adminToken;
    private final ObjectMapper mapper;

    public HttpAdapterLoader(HttpClient http, URI engine, String adminToken, ObjectMapper mapper) {
        this.http = http;
        this.engine = engine;
        this.adminToken = adminToken;
        this.mapper = mapper;
    }

    @Override
    public void load(String name, Path peftDir) throws InterruptedException {
        HttpResponse<String> r;
        try {
            String body = mapper.writeValueAsString(Map.of("lora_name", name, "lora_path", peftDir.toAbsolutePath().toString()));
            r = http.send(HttpRequest.newBuilder(engine.resolve("/v1/load_lora_adapter")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DeployException("engine " + engine + " unreachable while loading adapter " + name + ": " + e.getMessage(), true, e);
        }
        if (r.statusCode() / 100 == 2 || (r.statusCode() == 400 && r.body().contains("already"))) {
            return;
        }
        throw new DeployException("engine refused adapter " + name + ": HTTP " + r.statusCode() + " " + r.body(), r.statusCode() >= 500, null);
    }
}
