package dev.flywheel.splitter.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A tiny OpenAI-compatible server for the benchmark and the tests: answers at once, echoes the model it was asked for in
 * the completion ("reply from <model>"), streams three SSE chunks when {@code stream} is true, and answers 500 to
 * everything when {@code failing}. Records the request bodies it received.
 */
public final class StubBackend implements AutoCloseable {
    /** The model list both stub backends answer {@code GET /v1/models} with (the splitter's start probe reads it). */
    static final String MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"base\",\"object\":\"model\",\"owned_by\":\"stub\"}]}";

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor;
    private final boolean failing;
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final boolean record;

    public StubBackend(boolean failing) throws IOException {
        this(failing, true, 0);
    }

    public StubBackend(boolean failing, boolean record, int threads) throws IOException {
        this.failing = failing;
        this.record = record;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        executor = threads > 0 ? Executors.newFixedThreadPool(threads) : Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/v1/models", ex -> respond(ex, 200, "application/json", MODELS));
        server.createContext("/v1/chat/completions", ex -> complete(ex, true));
        server.createContext("/v1/completions", ex -> complete(ex, false));
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<JsonNode> received() {
        return List.copyOf(received);
    }

    /** The Authorization header of each recorded request ("" when absent). */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void complete(HttpExchange ex, boolean chat) throws IOException {
        byte[] in = ex.getRequestBody().readAllBytes();
        if (failing) {
            respond(ex, 500, "application/json", "{\"error\":{\"message\":\"stub failure\"}}");
            return;
        }
        JsonNode body = mapper.readTree(in);
        if (record) {
            received.add(body);
            authorizations.add(ex.getRequestHeaders().getFirst("Authorization") == null ? "" : ex.getRequestHeaders().getFirst("Authorization"));
        }
        String model = body.path("model").asText("none");
        String text = "reply from " + model;
        if (body.path("stream").asBoolean(false)) {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                String[] parts = {"reply ", "from ", model};
                for (String p : parts) {
                    String delta = chat ? "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + p + "\"},\"finish_reason\":null}]}"
                            : "{\"choices\":[{\"index\":0,\"text\":\"" + p + "\",\"finish_reason\":null}]}";
                    out.write(("data: " + delta + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                out.write(("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\n").getBytes(StandardCharsets.UTF_8));
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        String choice = chat ? "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}"
                : "{\"index\":0,\"text\":\"" + text + "\",\"finish_reason\":\"stop\"}";
        respond(ex, 200, "application/json", "{\"id\":\"cmpl-1\",\"object\":\"chat.completion\",\"model\":\"" + model
                + "\",\"choices\":[" + choice + "],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}");
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow(); // HttpServer.stop leaves the executor's (non-daemon) threads running
    }
}
