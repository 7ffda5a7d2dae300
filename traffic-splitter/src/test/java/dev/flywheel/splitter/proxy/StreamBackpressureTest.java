package dev.flywheel.splitter.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.testsupport.FlywheelServicesExtension;
import dev.flywheel.testsupport.TestServices;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A streamed answer moves at the client's pace, over real sockets: while the client does not read, the splitter stops
 * reading the backend (the backend's writes block) instead of buffering the stream in memory, and once the client
 * reads, every byte arrives. A proxy that read the backend as fast as it could would hold the whole stream per slow
 * client, which is how a proxy runs out of memory.
 */
@ExtendWith(FlywheelServicesExtension.class)
class StreamBackpressureTest {
    private static final String CLIENT = "client-token-0123456789";
    private static final int CHUNK = 64 * 1024;
    /** How long the backend's socket must stay full to count as held back (a reading splitter frees it in microseconds). */
    private static final long HELD_MS = 1_000;
    /** Far above what the sockets between backend and client can hold (~8 MB stalled here), so buffering shows. */
    private static final long STREAM_BYTES = 128L * 1024 * 1024;

    /** One SSE event of exactly {@link #CHUNK} bytes: "data: " + filler + "\n\n". */
    private static byte[] sseChunk() {
        byte[] b = new byte[CHUNK];
        Arrays.fill(b, (byte) 'x');
        byte[] head = "data: ".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, b, 0, head.length);
        b[CHUNK - 2] = '\n';
        b[CHUNK - 1] = '\n';
        return b;
    }

    @Test
    void aClientThatDoesNotReadHoldsBackTheBackendAndThenGetsEveryByte(TestServices services) throws Exception {
        AtomicLong written = new AtomicLong();
        CompletableFuture<Long> stalled = new CompletableFuture<>();
        try (ServerSocketChannel backend = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int backendPort = ((InetSocketAddress) backend.getLocalAddress()).getPort();
            Thread backendThread = Thread.ofPlatform().daemon().start(() -> serveOneStream(backend, written, stalled));
            try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                    "micronaut.server.port", -1,
                    "flywheel.kafka.bootstrap-servers", services.kafkaBootstrap(),
                    "flywheel.topics.prefix", services.topics().prefix(),
                    "flywheel.auth.admin-tokens", List.of("admin-token-0123456789"),
                    "flywheel.auth.client-tokens", List.of(CLIENT),
                    "flywheel.splitter.default-backend-url", "http://127.0.0.1:" + backendPort));
                 Socket client = new Socket()) {
                // Not smaller: loopback's MSS is ~64 KB, and with a 64 KB receive buffer the client could never
                // advertise a window of a whole segment once it read again (silly-window avoidance), so the splitter's
                // kernel sent only on its zero-window probe timer, which backs off towards 120 s. A CI run of
                // 2026-12-05 took 212 s instead of ~3 (593 KB stuck in the splitter's send queue, the client's
                // receive queue empty); a probe interval over the read timeout would have failed it.
                client.setReceiveBufferSize(1024 * 1024);
                client.connect(new InetSocketAddress("127.0.0.1", server.getPort()));
                client.setSoTimeout(60_000);
                String body = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a long answer\"}]}";
                client.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + CLIENT
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));

                // The client reads nothing: the backend reports how much it wrote before its socket stayed full.
                long stalledAt = stalled.get(60, TimeUnit.SECONDS);
                assertTrue(stalledAt < STREAM_BYTES / 4, "the backend wrote " + stalledAt + " of " + STREAM_BYTES
                        + " bytes to a client that read nothing: the splitter buffered the stream instead of holding the backend back");

                long received = readSseBytes(new BufferedInputStream(client.getInputStream()));
                assertEquals(STREAM_BYTES, received, "every byte of the stream reaches the client once it reads");
            }
            backendThread.join(30_000);
        }
        assertEquals(STREAM_BYTES, written.get());
    }

    /** Reads the chunked SSE answer through to its last chunk; returns the bytes of SSE payload (chunk data). */
    private static long readSseBytes(InputStream in) throws IOException {
        String status = line(in);
        assertTrue(status.startsWith("HTTP/1.1 200"), status);
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            chunked |= h.toLowerCase(java.util.Locale.ROOT).startsWith("transfer-encoding: chunked");
        }
        assertTrue(chunked, "a streamed answer is sent chunked");
        long total = 0;
        byte[] buf = new byte[CHUNK];
        while (true) {
            int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
            if (size == 0) {
                line(in);
                return total;
            }
            int left = size;
            while (left > 0) {
                int n = in.read(buf, 0, Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("the stream ended inside a chunk");
                }
                left -= n;
            }
            total += size;
            line(in); // CRLF after the chunk
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed mid-line after '" + b + "'");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /**
     * Answers one request with a chunked SSE stream of {@link #STREAM_BYTES}, counting what its writes got rid of, on
     * a non-blocking socket. When the socket stays full for {@link #HELD_MS} (the splitter stopped reading),
     * {@code stalled} gets the count; a splitter that read everything would keep the socket writable, and
     * {@code stalled} then gets the full length when the stream ends.
     */
    private static void serveOneStream(ServerSocketChannel backend, AtomicLong written, CompletableFuture<Long> stalled) {
        try (SocketChannel ch = backend.accept(); Selector selector = Selector.open()) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            int length = 0;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            in.readNBytes(length);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_WRITE);
            byte[] chunk = sseChunk();
            byte[] head = (Integer.toHexString(CHUNK) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
            writeFully(ch, selector, stalled, written, false,
                    ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII)));
            for (long sent = 0; sent < STREAM_BYTES; sent += CHUNK) {
                writeFully(ch, selector, stalled, written, true, ByteBuffer.wrap(head), ByteBuffer.wrap(chunk), ByteBuffer.wrap(crlf));
            }
            writeFully(ch, selector, stalled, written, false, ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            stalled.complete(written.get()); // never held back: the assertion on the count names the failure
        } catch (IOException e) {
            stalled.completeExceptionally(e);
            throw new java.io.UncheckedIOException("the streaming backend failed", e);
        }
    }

    /** Writes every buffer, waiting for writability; counts one chunk's payload once written if {@code payload}. */
    private static void writeFully(SocketChannel ch, Selector selector, CompletableFuture<Long> stalled, AtomicLong written,
                                   boolean payload, ByteBuffer... buffers) throws IOException {
        while (buffers[buffers.length - 1].hasRemaining()) {
            if (ch.write(buffers) == 0 && selector.select(HELD_MS) == 0) {
                stalled.complete(written.get()); // full for HELD_MS: held back (later calls change nothing)
            }
            selector.selectedKeys().clear();
        }
        if (payload) {
            written.addAndGet(CHUNK);
        }
    }
}
