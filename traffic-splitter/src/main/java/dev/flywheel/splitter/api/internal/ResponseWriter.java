package dev.flywheel.splitter.api.internal;

import dev.flywheel.splitter.proxy.ProxyException;
import dev.flywheel.splitter.proxy.ProxyReply;
import dev.flywheel.splitter.proxy.ProxyService;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Map;
import java.util.function.Consumer;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** {@link ProxyReply} → Netty HTTP/1.1 responses for {@link FastProxyHandler}: whole bodies, and SSE streams chunk by chunk. */
final class ResponseWriter {
    private ResponseWriter() {}

    static ProxyReply.Whole error(ProxyService proxy, ProxyException e) {
        return new ProxyReply.Whole(e.status(), "application/json", proxy.errorBody(e), Map.of());
    }

    static FullHttpResponse whole(HttpVersion version, ProxyReply.Whole w, boolean keepAlive) {
        var response = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(w.status()), Unpooled.wrappedBuffer(w.body()));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, w.contentType()).setInt(HttpHeaderNames.CONTENT_LENGTH, w.body().length);
        finish(h, w.headers(), version, keepAlive);
        return response;
    }

    /** Starts writing {@code s}; {@code done} gets whether the whole stream reached the client. */
    static StreamWriter stream(ChannelHandlerContext ctx, HttpVersion version, ProxyReply.Stream s, boolean keepAlive, Consumer<Boolean> done) {
        var head = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        HttpHeaders h = head.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream").set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        finish(h, s.headers(), version, keepAlive);
        ctx.writeAndFlush(head);
        StreamWriter writer = new StreamWriter(ctx, done);
        s.chunks().subscribe(writer);
        return writer;
    }

    /** A stream the client will never read: cancel it so the service records the request as cancelled. */
    static void discard(ProxyReply.Stream s) {
        s.chunks().subscribe(new Subscriber<>() {
            @Override public void onSubscribe(Subscription sub) { sub.cancel(); }
            @Override public void onNext(byte[] chunk) { }
            @Override public void onError(Throwable t) { }
            @Override public void onComplete() { }
        });
    }

    private static void finish(HttpHeaders h, Map<String, String> replyHeaders, HttpVersion version, boolean keepAlive) {
        replyHeaders.forEach(h::set);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version == HttpVersion.HTTP_1_0) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /**
     * Writes one chunk at a time and asks for the next only once the previous one is flushed, so a slow client slows
     * the backend stream down instead of filling memory. Signals arrive on the backend client's threads; Netty runs
     * the writes on the event loop in order.
     */
    static final class StreamWriter implements Subscriber<byte[]> {
        private final ChannelHandlerContext ctx;
        private final Consumer<Boolean> done;
        private volatile Subscription subscription;
        private final java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();

        StreamWriter(ChannelHandlerContext ctx, Consumer<Boolean> done) {
            this.ctx = ctx;
            this.done = done;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(byte[] chunk) {
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk))).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    subscription.request(1);
                } else {
                    cancel();
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            // Headers and part of the body are out: the only way left to tell the client is to cut the connection.
            end(false, null);
        }

        @Override
        public void onComplete() {
            end(true, LastHttpContent.EMPTY_LAST_CONTENT);
        }

        void cancel() {
            Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            end(false, null);
        }

        private void end(boolean ok, LastHttpContent last) {
            if (!over.compareAndSet(false, true)) {
                return;
            }
            if (last == null) {
                ctx.executor().execute(() -> done.accept(false));
                return;
            }
            ctx.writeAndFlush(last).addListener((ChannelFutureListener) f -> done.accept(ok && f.isSuccess()));
        }
    }
}
