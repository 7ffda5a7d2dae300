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

/** The bench's HTTP/1.1 bytes: each answer read to its last byte and no further, the request as the bench means it. */
class RawHttp1Test {
    /** One answer read on a fresh connection's reader, as SocketLoad reads each. */
    private static RawHttp1.Answer readAnswer(InputStream in, byte[] buf) throws IOException {
        try (var reader = new RawHttp1.AnswerReader(buf.length)) {
            return reader.read(in, buf);
        }
    }

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
        var answer = readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), new byte[64]);
        assertEquals(new RawHttp1.Answer(200, false), answer);
    }

    @Test
    void readsAChunkedAnswerArrivingOneByteAtATime() throws IOException {
        String chunked = "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n1a\r\n" + "x".repeat(26) + "\r\n0\r\n\r\n";
        assertEquals(new RawHttp1.Answer(503, false), readAnswer(trickle(chunked), new byte[64]));
    }

    @Test
    void connectionCloseAndHttp10EndTheConnection() throws IOException {
        assertTrue(readAnswer(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
        assertTrue(readAnswer(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
        assertFalse(readAnswer(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), new byte[64]).close());
    }

    @Test
    void aCutOrUnframedAnswerIsAnError() {
        assertThrows(EOFException.class, () -> readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello"), new byte[64]));
        assertThrows(IOException.class, () -> readAnswer(bytes("HTTP/1.1 200 OK\r\n\r\nhello"), new byte[64]));
        assertThrows(IOException.class, () -> readAnswer(bytes("SSH-2.0-OpenSSH\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> readAnswer(bytes("HTTP/1.1 2xx OK\r\nContent-Length: 0\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: -\r\n\r\n"), new byte[64]));
        assertThrows(IOException.class, () -> readAnswer(bytes("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(100)), new byte[64]));
    }

    @Test
    void bytesBeyondTheAnswerAreAnError() {
        var e = assertThrows(IOException.class,
                () -> readAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1"), new byte[64]));
        assertTrue(e.getMessage().contains("8 bytes after the answer"), e.getMessage());
    }

    @Test
    void requestCarriesTheUnitHeadersAndBody() {
        byte[] body = "{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        byte[] request = RawHttp1.request(URI.create("http://127.0.0.1:8080/v1/chat/completions"), Map.of("Authorization", "Bearer t"),
                body, "user-3");
        String expectedHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 10\r\n"
                + "X-Flywheel-Unit: user-3\r\nAuthorization: Bearer t\r\n\r\n";
        byte[] head = expectedHead.getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[head.length + body.length];
        System.arraycopy(head, 0, expected, 0, head.length);
        System.arraycopy(body, 0, expected, head.length, body.length);
        assertArrayEquals(expected, request);
    }
}
