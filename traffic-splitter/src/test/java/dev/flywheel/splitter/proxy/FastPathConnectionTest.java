package dev.flywheel.splitter.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.bench.StubBackend;
import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lean proxy path at the connection level, over a raw socket: answers stay in request order when proxy and other
 * requests are pipelined on one connection, {@code Expect: 100-continue} works, and an oversized body is refused
 * with 413 before it is read to the end.
 */
@ExtendWith(FlywheelServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastPathConnectionTest {
    private static final String CLIENT = "client-token-0123456789";
    private static final int MAX_BODY = 4096;
    private StubBackend backend;
    private EmbeddedServer server;

    @BeforeAll
    void start(TestServices services) throws IOException {
        backend = new StubBackend(false);
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                "flywheel.topics.prefix", services.topics().prefix(),
                "flywheel.auth.admin-tokens", List.of("admin-token-0123456789"),
                "flywheel.auth.client-tokens", List.of(CLIENT),
                "flywheel.splitter.default-backend-url", backend.url().toString(),
                "flywheel.splitter.max-request-bytes", MAX_BODY));
    }

    @AfterAll
    void stop() {
        if (server != null) server.close();
        backend.close();
    }

    private record Response(int status, Map<String, String> headers, String body) {}

    private static String post(String path, String body, String... extraHeaders) {
        StringBuilder b = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + CLIENT
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
        for (String h : extraHeaders) b.append(h).append("\r\n");
        return b.append("\r\n").append(body).toString();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + CLIENT + "\r\n\r\n";
    }

    @Test
    void pipelinedProxyAndApiRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}";
        String completion = "{\"prompt\":\"two\"}";
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            // All four in one write: the server sees them back to back, before any answer.
            out.write((get("/health") + post("/v1/chat/completions", chat, "X-Request-Id: pipe-1") + get("/v1/experiments")
                    + post("/v1/completions", completion, "X-Request-Id: pipe-2") + get("/health")).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            Response health = read(in);
            Response first = read(in);
            Response list = read(in);
            Response second = read(in);
            Response healthAgain = read(in);
            assertEquals(200, health.status(), health.body());
            assertEquals(200, first.status(), first.body());
            assertEquals("pipe-1", first.headers().get("x-request-id"));
            assertTrue(first.body().contains("\"message\""), "a chat answer: " + first.body());
            assertEquals(200, list.status(), list.body());
            assertTrue(list.body().contains("\"experiments\""), list.body());
            assertEquals(200, second.status(), second.body());
            assertEquals("pipe-2", second.headers().get("x-request-id"));
            assertTrue(second.body().contains("\"text\""), "a completion answer: " + second.body());
            assertEquals(200, healthAgain.status(), healthAgain.body());
        }
    }

    @Test
    void expectContinueGetsAContinueThenTheAnswer() throws Exception {
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"ü\"}]}";
        byte[] bytes = chat.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            String head = post("/v1/chat/completions", chat, "Expect: 100-continue");
            out.write(head.substring(0, head.length() - chat.length()).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals(100, read(in).status());
            out.write(bytes);
            out.flush();
            Response r = read(in);
            assertEquals(200, r.status(), r.body());
        }
    }

    @Test
    void oversizedBodyIsRefusedWith413NamingTheBodyAndTheConnectionCloses() throws Exception {
        String big = "{\"prompt\":\"" + "x".repeat(MAX_BODY * 4) + "\"}";
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            String request = post("/v1/completions", big);
            // Headers and the first part only: the answer must not wait for the rest.
            out.write(request.substring(0, request.length() - big.length() + MAX_BODY + 100).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            Response r = read(in);
            assertEquals(413, r.status(), r.body());
            assertTrue(r.body().contains("\"field\":\"$\""), r.body());
            assertTrue(r.body().contains("limit of " + MAX_BODY), r.body());
            assertEquals("close", r.headers().get("connection"));
            assertEquals(-1, in.read(), "the server closes the connection");
        }
    }

    @Test
    void missingTokenIsRefusedAndTheConnectionStaysUsable() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            String noToken = post("/v1/chat/completions", "{}").replace("Authorization: Bearer " + CLIENT + "\r\n", "");
            out.write((noToken + post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            Response refused = read(in);
            assertEquals(401, refused.status(), refused.body());
            assertTrue(refused.body().contains("\"field\":\"Authorization\""), refused.body());
            assertEquals(200, read(in).status());
        }
    }

    /** One HTTP/1.1 response: status line, headers (lower-cased names), then a Content-Length or chunked body. */
    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n = Integer.parseInt(line(in).strip(), 16); n > 0; n = Integer.parseInt(line(in).strip(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
            line(in);
        }
        return new Response(code, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) throw new IOException("connection closed mid-response after '" + b + "'");
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
