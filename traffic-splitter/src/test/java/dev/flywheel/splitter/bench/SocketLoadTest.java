package dev.flywheel.splitter.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's blocking-socket load generator: it must read each answer to its last byte and no further. */
class SocketLoadTest {
    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Hands out at most one byte per read, as a slow connection would. */
    private static InputStream trickle(String s) {
        InputStream all = bytes(s);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return all.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return all.read(b, off, Math.min(1, len));
            }
        };
    }

    @Test
    void readsAContentLengthAnswerToItsEnd() throws IOException {
        var answer = SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), new byte[64]);
        assertEquals(new SocketLoad.Answer(200, false), answer);
    }

    @Test
    void readsAChunkedAnswerArrivingOneByteAtATime() throws IOException {
        String chunked = "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n1a\r\n" + "x".repeat(26) + "\r\n0\r\n\r\n";
        assertEquals(new SocketLoad.Answer(503, false), SocketLoad.readAnswer(trickle(chunked), new byte[64]));
    }

    @Test
    void connectionCloseAndHttp10EndTheConnection() throws IOException {
        assertTrue(SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
        assertTrue(SocketLoad.readAnswer(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
        assertFalse(SocketLoad.readAnswer(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
    }

    @Test
    void aCutOrUnframedAnswerIsAnError() {
        assertThrows(EOFException.class, () -> SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello"), new byte[64]));
        assertThrows(IOException.class, () -> SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\n\r\nhello"), new byte[64]));
        assertThrows(IOException.class, () -> SocketLoad.readAnswer(bytes("SSH-2.0-OpenSSH\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> SocketLoad.readAnswer(bytes("HTTP/1.1 2xx OK\r\nContent-Length: 0\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: -\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(100)), new byte[64]));
    }

    @Test
    void bytesBeyondTheAnswerAreAnError() {
        var e = assertThrows(IOException.class,
                () -> SocketLoad.readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1"), new byte[64]));
        assertTrue(e.getMessage().contains("8 bytes after the answer"), e.getMessage());
    }

    @Test
    void requestCarriesTheUnitHeadersAndBody() {
        byte[] body = "{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        byte[] request = SocketLoad.request(URI.create("http://127.0.0.1:8080/v1/chat/completions"), Map.of("Authorization", "Bearer t"),
                body, "user-3");
        String expectedHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 10\r\n"
                + "X-Flywheel-Unit: user-3\r\nAuthorization: Bearer t\r\n\r\n";
        byte[] head = expectedHead.getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[head.length + body.length];
        System.arraycopy(head, 0, expected, 0, head.length);
        System.arraycopy(body, 0, expected, head.length, body.length);
        assertArrayEquals(expected, request);
    }

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
            }
        }
    }
}
