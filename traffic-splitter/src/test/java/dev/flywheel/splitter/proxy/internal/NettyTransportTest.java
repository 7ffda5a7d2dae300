package dev.flywheel.splitter.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.splitter.bench.StubBackend;
import dev.flywheel.splitter.proxy.BackendTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Netty backend transport against real sockets: answers never mix, failures are typed, stale connections retried. */
class NettyTransportTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final List<BackendTransport.Answer> fallbackCalls = new ArrayList<>();
    private final BackendTransport fallback = new BackendTransport() {
        @Override
        public CompletableFuture<Answer> post(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
            var a = new Answer(299, "text/plain", endpoint.toString().getBytes(StandardCharsets.UTF_8));
            fallbackCalls.add(a);
            return CompletableFuture.completedFuture(a);
        }

        @Override
        public CompletableFuture<Streamed> stream(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("not in these tests"));
        }
    };
    private final NettyTransport transport = new NettyTransport(fallback, Duration.ofSeconds(2), 1 << 20, 4);

    @AfterEach
    void close() {
        transport.close();
    }

    private static byte[] chat(String model) {
        return ("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi ü\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void concurrentRequestsEachGetTheirOwnAnswerOverPooledConnections() throws Exception {
        try (StubBackend stub = new StubBackend(false)) {
            URI endpoint = URI.create(stub.url() + "/v1/chat/completions");
            List<CompletableFuture<BackendTransport.Answer>> answers = new ArrayList<>();
            for (int round = 0; round < 20; round++) { // 20 rounds of 16 in flight: connections are reused across rounds
                List<CompletableFuture<BackendTransport.Answer>> batch = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    batch.add(transport.post(endpoint, Map.of("X-Request-Id", "r" + round + "-" + i), chat("m-" + round + "-" + i), TIMEOUT));
                }
                CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                answers.addAll(batch);
            }
            for (int k = 0; k < answers.size(); k++) {
                BackendTransport.Answer a = answers.get(k).get();
                assertEquals(200, a.status());
                assertTrue(a.contentType().startsWith("application/json"), a.contentType());
                String body = new String(a.body(), StandardCharsets.UTF_8);
                assertTrue(body.contains("reply from m-" + (k / 16) + "-" + (k % 16) + "\""), body);
            }
            assertEquals(320, stub.received().size());
        }
    }

    @Test
    void aSilentBackendTimesOutWithAnHttpTimeoutException() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().readAllBytes(); // reads, never answers
                } catch (IOException e) {
                    // the test is over
                }
            });
            var f = transport.post(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v1/completions"), Map.of(),
                    chat("x"), Duration.ofMillis(300));
            var e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
            assertInstanceOf(HttpTimeoutException.class, e.getCause());
        }
    }

    @Test
    void aSlowHostNameLookupDoesNotHoldUpRequestsOnTheSameEventLoop() throws Exception {
        CountDownLatch dnsAnswers = new CountDownLatch(1);
        ExecutorService slowDns = Executors.newSingleThreadExecutor();
        // every lookup waits for the test's go; the transport's one event loop must keep serving meanwhile
        NettyTransport held = new NettyTransport(fallback, Duration.ofSeconds(2), 1 << 20, 4, lookup -> slowDns.execute(() -> {
            try {
                dnsAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lookup.run();
        }));
        try (StubBackend stub = new StubBackend(false)) {
            int port = stub.url().getPort();
            var byName = held.post(URI.create("http://localhost:" + port + "/v1/chat/completions"), Map.of(), chat("by-name"), TIMEOUT);
            var byAddress = held.post(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"), Map.of(), chat("by-address"), TIMEOUT);
            assertEquals(200, byAddress.get(30, TimeUnit.SECONDS).status());
            assertFalse(byName.isDone(), "the lookup of 'localhost' is still held, so its request cannot have been sent");
            dnsAnswers.countDown();
            try {
                byName.get(30, TimeUnit.SECONDS); // localhost may not be the stub's address family here: done is enough
            } catch (ExecutionException differentFamily) {
                assertInstanceOf(ConnectException.class, differentFamily.getCause());
            }
        } finally {
            held.close();
            slowDns.shutdownNow();
        }
    }

    @Test
    void anUnknownHostFailsWithAnUnknownHostException() {
        var f = transport.post(URI.create("http://no-such-backend.invalid/v1/completions"), Map.of(), chat("x"), TIMEOUT);
        var e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(java.net.UnknownHostException.class, e.getCause(), String.valueOf(e.getCause()));
    }

    @Test
    void aClosedPortFailsWithAConnectException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        var f = transport.post(URI.create("http://127.0.0.1:" + port + "/v1/completions"), Map.of(), chat("x"), TIMEOUT);
        var e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(ConnectException.class, e.getCause(), String.valueOf(e.getCause()));
    }

    @Test
    void sequentialRequestsReuseOneKeepAliveConnection() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            acceptCounting(server, connections, NettyTransportTest::answerAll);
            URI endpoint = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/completions");
            for (int i = 0; i < 10; i++) {
                assertEquals(200, transport.post(endpoint, Map.of(), chat("m" + i), TIMEOUT).get(30, TimeUnit.SECONDS).status());
            }
            assertEquals(1, connections.get(), "one pooled connection serves every request");
        }
    }

    /** Accepts connections until the server closes, counting them and answering each on a thread of its own. */
    private static void acceptCounting(ServerSocket server, AtomicInteger connections, java.util.function.Consumer<Socket> answer) {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> answer.accept(s));
                } catch (IOException e) {
                    return; // the server socket closed: the test is over
                }
            }
        });
    }

    private static void answerAll(Socket s) {
        try (s) {
            while (true) {
                readRequestBody(s.getInputStream());
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                        .getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            }
        } catch (IOException e) {
            // the client closed the connection
        }
    }

    /** The backend answers each connection's first request and drops the connection at the second, unanswered. */
    @Test
    void aRequestOnAConnectionTheBackendDroppedIsSentAgainOnANewOne() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            acceptCounting(server, connections, NettyTransportTest::answerOnceThenDrop);
            URI endpoint = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/completions");
            for (int i = 0; i < 3; i++) {
                var a = transport.post(endpoint, Map.of(), chat("m" + i), TIMEOUT).get(30, TimeUnit.SECONDS);
                assertEquals(200, a.status());
                assertEquals("{\"ok\":" + i + "}", new String(a.body(), StandardCharsets.UTF_8).replace("m", ""));
            }
            assertTrue(connections.get() >= 3, "every request after the first needed a new connection: " + connections.get());
        }
    }

    private static void answerOnceThenDrop(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String body = readRequestBody(in);
            String model = body.substring(body.indexOf("\"model\":\"") + 9, body.indexOf("\",\""));
            byte[] answer = ("{\"ok\":" + model + "}").getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length
                    + "\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(answer);
            out.flush();
            readRequestBody(in); // the second request on this connection: dropped unanswered
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String readRequestBody(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new IOException("closed");
            head.write(c);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        int at = h.indexOf("content-length:");
        int length = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).strip());
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String chatStream(String model) {
        return new String(chat(model), StandardCharsets.UTF_8).replace("{\"model\"", "{\"stream\":true,\"model\"");
    }

    @Test
    void aStreamArrivesChunkByChunkAndItsConnectionIsReusedForWholeAnswers() throws Exception {
        try (StubBackend stub = new StubBackend(false)) {
            URI endpoint = URI.create(stub.url() + "/v1/chat/completions");
            for (int i = 0; i < 5; i++) { // streams and whole answers alternate on the pooled connections
                var streamed = transport.stream(endpoint, Map.of(), chatStream("s" + i).getBytes(StandardCharsets.UTF_8), TIMEOUT)
                        .get(30, TimeUnit.SECONDS);
                assertEquals(200, streamed.status());
                assertTrue(streamed.contentType().startsWith("text/event-stream"), streamed.contentType());
                List<byte[]> chunks = reactor.core.publisher.Flux.from(streamed.body()).collectList().block(Duration.ofSeconds(30));
                String sse = chunks.stream().map(b -> new String(b, StandardCharsets.UTF_8)).reduce("", String::concat);
                assertTrue(sse.contains("\"content\":\"s" + i + "\"") && sse.endsWith("data: [DONE]\n\n"), sse);
                var whole = transport.post(endpoint, Map.of(), chat("w" + i), TIMEOUT).get(30, TimeUnit.SECONDS);
                assertTrue(new String(whole.body(), StandardCharsets.UTF_8).contains("reply from w" + i), "no stream bytes leak into the next answer");
            }
        }
    }

    @Test
    void aStreamHandsOutOnlyWhatItsSubscriberAskedFor() throws Exception {
        try (StubBackend stub = new StubBackend(false)) {
            var streamed = transport.stream(URI.create(stub.url() + "/v1/chat/completions"), Map.of(),
                    chatStream("slow").getBytes(StandardCharsets.UTF_8), TIMEOUT).get(30, TimeUnit.SECONDS);
            List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            var done = new CompletableFuture<Void>();
            var subscription = new CompletableFuture<org.reactivestreams.Subscription>();
            streamed.body().subscribe(new org.reactivestreams.Subscriber<>() {
                @Override public void onSubscribe(org.reactivestreams.Subscription s) { subscription.complete(s); }
                @Override public void onNext(byte[] b) { got.add(new String(b, StandardCharsets.UTF_8)); }
                @Override public void onError(Throwable t) { done.completeExceptionally(t); }
                @Override public void onComplete() { done.complete(null); }
            });
            var s = subscription.get(30, TimeUnit.SECONDS);
            s.request(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1, got.size(), "one chunk for a demand of one");
            assertTrue(!done.isDone(), "not complete before the rest is asked for");
            s.request(Long.MAX_VALUE);
            done.get(30, TimeUnit.SECONDS);
            assertTrue(String.join("", got).endsWith("data: [DONE]\n\n"), String.join("", got));
        }
    }

    @Test
    void cancellingAStreamDropsItsConnectionAndLaterRequestsStillWork() throws Exception {
        try (StubBackend stub = new StubBackend(false)) {
            URI endpoint = URI.create(stub.url() + "/v1/chat/completions");
            var streamed = transport.stream(endpoint, Map.of(), chatStream("c").getBytes(StandardCharsets.UTF_8), TIMEOUT)
                    .get(30, TimeUnit.SECONDS);
            byte[] first = reactor.core.publisher.Flux.from(streamed.body()).blockFirst(Duration.ofSeconds(30)); // takes one, cancels
            assertTrue(first != null && first.length > 0);
            var whole = transport.post(endpoint, Map.of(), chat("after"), TIMEOUT).get(30, TimeUnit.SECONDS);
            assertEquals(200, whole.status());
            assertTrue(new String(whole.body(), StandardCharsets.UTF_8).contains("reply from after"));
        }
    }

    @Test
    void httpsBackendsGoToTheFallbackTransport() throws Exception {
        var a = transport.post(URI.create("https://api.example.invalid/v1/chat/completions"), Map.of(), chat("x"), TIMEOUT).get();
        assertEquals(299, a.status());
        assertEquals(1, fallbackCalls.size());
    }
}
