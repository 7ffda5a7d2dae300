package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flywheel.engine.task.AdditionProblem;
import dev.flywheel.engine.task.Answers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application's reward endpoint for the shipped task, called by eval-service's {@code http} evaluator: the
 * application knows the answer to the question it asked, so the verifier reads the problem from the prompt
 * ("12+345=") and scores the completion 1 when its leading number is exactly the sum, else 0 (the engine task's own
 * {@link Answers#isCorrect}). Why not eval-service's {@code numeric} evaluator with a reference: the traffic
 * splitter records no client attributes, so live inference events carry no {@code reference} to compare with.
 *
 * <p>Wire: POST {"prompt": [{"role", "content"}], "completion": "..."} → {"score": 0|1, "reason": "..."}; a prompt
 * that is not an addition problem is a 422 (eval-service records an error score, never a 0).
 */
public final class TaskVerifier implements AutoCloseable {
    private static final Pattern PROBLEM = Pattern.compile("^\\s*(\\d{1,9})\\+(\\d{1,9})=\\s*$");

    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper mapper;

    private TaskVerifier(HttpServer server, ExecutorService executor, ObjectMapper mapper) {
        this.server = server;
        this.executor = executor;
        this.mapper = mapper;
    }

    /** Listens on 127.0.0.1 at a free port. */
    public static TaskVerifier start(ObjectMapper mapper) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        TaskVerifier v = new TaskVerifier(server, executor, mapper);
        server.createContext("/verify", v::handle);
        server.setExecutor(executor);
        server.start();
        return v;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/verify");
    }

    /** The problem a prompt asks ("12+345=" → 12 + 345), if it is one. */
    public static Optional<AdditionProblem> problem(String prompt) {
        Matcher m = PROBLEM.matcher(prompt == null ? "" : prompt);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new AdditionProblem(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
    }

    /** {"score", "reason"} for one request body, or empty when the prompt is not a problem. */
    Optional<ObjectNode> score(JsonNode body) {
        String prompt = "";
        JsonNode p = body.path("prompt");
        if (p.isTextual()) {
            prompt = p.asText();
        } else {
            for (JsonNode m : p) {
                if ("user".equals(m.path("role").asText())) {
                    prompt = m.path("content").asText("");
                }
            }
        }
        String completion = body.path("completion").asText("");
        return problem(prompt).map(problem -> {
            boolean right = Answers.isCorrect(problem, completion);
            ObjectNode out = mapper.createObjectNode();
            out.put("score", right ? 1.0 : 0.0);
            out.put("reason", (right ? "correct: " : "expected " + problem.answer() + ", got ")
                    + Answers.extract(completion).orElse("no number"));
            return out;
        });
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] out;
            int status;
            try {
                JsonNode body = mapper.readTree(exchange.getRequestBody());
                Optional<ObjectNode> scored = body == null ? Optional.empty() : score(body);
                status = scored.isPresent() ? 200 : 422;
                out = mapper.writeValueAsBytes(scored.isPresent() ? scored.get()
                        : mapper.createObjectNode().put("error", "prompt is not an addition problem 'a+b='"));
            } catch (IOException e) {
                status = 400;
                out = ("{\"error\":\"malformed JSON\"}").getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, out.length);
            exchange.getResponseBody().write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
