package dev.flywheel.splitter.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The bytes of HTTP/1.1 as {@link SocketLoad} writes and reads them: a POST built once per connection, and answers
 * read to their last byte (Content-Length or chunked) so the next request on the connection starts clean. Only what
 * the bench's stub and the splitter send is needed; anything else is an {@link IOException}, counted as a failed
 * request.
 */
final class RawHttp1 {
    private RawHttp1() {}

    /** A POST of {@code body} to {@code uri}'s path, with the unit header and {@code headers}. */
    static byte[] request(URI uri, Map<String, String> headers, byte[] body, String unit) {
        var head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\nHost: ")
                .append(uri.getHost()).append(':').append(uri.getPort()).append("\r\nContent-Length: ").append(body.length)
                .append("\r\nX-Flywheel-Unit: ").append(unit).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** An answer's status and whether the server closes the connection after it. */
    record Answer(int status, boolean close) {}

    /**
     * Reads one HTTP/1.1 answer to its last byte: a head of at most {@code buf.length} bytes, then a body framed by
     * Content-Length or chunked. Throws {@link IOException} on a malformed or cut answer.
     */
    static Answer readAnswer(InputStream in, byte[] buf) throws IOException {
        try {
            return read(new Reader(in, buf));
        } catch (NumberFormatException e) {
            throw new IOException("malformed number in the answer: " + e.getMessage(), e);
        }
    }

    private static Answer read(Reader reader) throws IOException {
        String head = reader.head();
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x status line: '" + lines[0] + "'");
        }
        int status = Integer.parseInt(statusLine[1]);
        long length = -1;
        boolean chunked = false;
        boolean close = statusLine[0].equals("HTTP/1.0");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, Math.max(0, colon)).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
                default -> { }
            }
        }
        if (chunked) {
            long size;
            do {
                String sizeLine = reader.line();
                int ext = sizeLine.indexOf(';');
                size = Long.parseLong((ext < 0 ? sizeLine : sizeLine.substring(0, ext)).trim(), 16);
                reader.skip(size);
                if (size > 0) {
                    reader.expectCrlf();
                }
            } while (size > 0);
            while (!reader.line().isEmpty()) {
                // trailers: none expected, read past them
            }
        } else if (length >= 0) {
            reader.skip(length);
        } else {
            throw new IOException("answer without Content-Length or chunked framing (status " + status + ")");
        }
        if (reader.pending() > 0) {
            throw new IOException(reader.pending() + " bytes after the answer (one request in flight per connection)");
        }
        return new Answer(status, close);
    }

    /** Buffered reads over {@code buf}: the head, lines and skipped bytes, never past what one answer needs. */
    private static final class Reader {
        private final InputStream in;
        private final byte[] buf;
        private int pos;
        private int limit;

        Reader(InputStream in, byte[] buf) {
            this.in = in;
            this.buf = buf;
        }

        int pending() {
            return limit - pos;
        }

        private void fill() throws IOException {
            if (pos == limit) {
                pos = 0;
                limit = 0;
            }
            if (limit == buf.length) {
                throw new IOException("answer head or line longer than " + buf.length + " bytes");
            }
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                throw new EOFException("connection closed mid-answer");
            }
            limit += r;
        }

        /** Up to and without the CRLF that ends a line. */
        String line() throws IOException {
            return upTo("\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        String head() throws IOException {
            return upTo("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        private String upTo(byte[] end) throws IOException {
            compact();
            int scanned = 0;
            while (true) {
                for (int i = pos + scanned; i + end.length <= limit; i++) {
                    if (Arrays.equals(buf, i, i + end.length, end, 0, end.length)) {
                        String s = new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1);
                        pos = i + end.length;
                        return s;
                    }
                }
                scanned = Math.max(0, limit - pos - end.length + 1);
                fill();
            }
        }

        private void compact() {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
        }

        void expectCrlf() throws IOException {
            if (!line().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }

        void skip(long n) throws IOException {
            while (n > 0) {
                if (pos == limit) {
                    fill();
                }
                int take = (int) Math.min(n, limit - pos);
                pos += take;
                n -= take;
            }
        }
    }
}
