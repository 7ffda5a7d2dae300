package dev.flywheel.splitter.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The bytes of HTTP/1.1 as {@link SocketLoad} writes and reads them: a POST built once per connection, and answers
 * read to their last byte (Content-Length or chunked) so the next request on the connection starts clean. The parsing
 * is Netty's {@link HttpResponseDecoder}, fed from the blocking socket; an answer it rejects, one framed by the end of
 * the connection, or bytes beyond it are an {@link IOException}, counted as a failed request.
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
     * One connection's answers, in order, each read to its last byte: for one request in flight, so bytes after an
     * answer are an error. {@code maxHeadBytes} caps the status line and the header block. A reader that threw is
     * done: close it with its connection.
     */
    static final class AnswerReader implements AutoCloseable {
        private final Decoder decoder;
        private final EmbeddedChannel channel;
        /** The head of the answer being read, until its last content arrives. */
        private Answer head;

        AnswerReader(int maxHeadBytes) {
            this.decoder = new Decoder(maxHeadBytes);
            this.channel = new EmbeddedChannel(decoder);
        }

        /** The next answer; {@code buf} is the socket read buffer. */
        Answer read(InputStream in, byte[] buf) throws IOException {
            while (true) {
                Answer done = drain();
                if (done != null) {
                    if (decoder.buffered() > 0) {
                        throw new IOException(decoder.buffered() + " bytes after the answer (one request in flight per connection)");
                    }
                    return done;
                }
                int n = in.read(buf);
                if (n < 0) {
                    throw new EOFException("connection closed mid-answer");
                }
                channel.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
            }
        }

        /** Takes what the decoder produced: the answer once its last content is in, else null. */
        private Answer drain() throws IOException {
            Answer done = null;
            for (Object msg = channel.readInbound(); msg != null; msg = channel.readInbound()) {
                try {
                    if (done != null) {
                        throw new IOException("a second message after the answer (one request in flight per connection)");
                    }
                    done = take((HttpObject) msg);
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            return done;
        }

        private Answer take(HttpObject msg) throws IOException {
            if (msg.decoderResult().isFailure()) {
                throw new IOException("malformed answer: " + msg.decoderResult().cause(), msg.decoderResult().cause());
            }
            if (msg instanceof HttpResponse r) {
                if (!HttpUtil.isContentLengthSet(r) && !HttpUtil.isTransferEncodingChunked(r)) {
                    throw new IOException("answer without Content-Length or chunked framing (status " + r.status().code() + ")");
                }
                head = new Answer(r.status().code(), !HttpUtil.isKeepAlive(r));
            }
            return msg instanceof LastHttpContent ? head : null;
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll();
        }
    }

    /** Netty's decoder, telling how many bytes it holds that no message has taken yet. */
    private static final class Decoder extends HttpResponseDecoder {
        Decoder(int maxHeadBytes) {
            super(new HttpDecoderConfig().setMaxInitialLineLength(maxHeadBytes).setMaxHeaderSize(maxHeadBytes));
        }

        int buffered() {
            return actualReadableBytes();
        }
    }
}
