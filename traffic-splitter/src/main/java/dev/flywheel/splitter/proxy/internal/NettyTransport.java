package dev.flywheel.splitter.proxy.internal;

import dev.flywheel.splitter.proxy.BackendTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link BackendTransport} over Netty, for plain-http backends; other schemes go to {@code fallback}. A call made on a
 * Netty NIO event loop (the proxy's lean path runs there) uses that same loop for the backend connection, so the
 * request, the backend round trip and the answer to the client never change threads (the JDK client's selector and
 * executor hops were the largest cost of the proxy after the framework's request pipeline). Other callers use a
 * private one-thread loop.
 *
 * <p>Keep-alive connections are pooled per event loop and backend (at most {@code maxIdlePerBackend} idle), so a
 * pool is only touched by its own thread. A request that fails on a reused connection before any answer byte arrived
 * (the backend closed the idle connection as we sent) is sent once more on a new connection.
 */
public final class NettyTransport implements BackendTransport {
    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("flywheel.backend.exchange");

    private final BackendTransport fallback;
    private final int connectTimeoutMillis;
    private final int maxAnswerBytes;
    private final int maxIdlePerBackend;
    private final MultiThreadIoEventLoopGroup ownLoop;
    /** Idle connections by "host:port", per event loop thread. */
    private final FastThreadLocal<Map<String, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<String, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    public NettyTransport(BackendTransport fallback, Duration connectTimeout, int maxAnswerBytes, int maxIdlePerBackend) {
        if (maxAnswerBytes < 1 || maxIdlePerBackend < 1) {
            throw new IllegalArgumentException("maxAnswerBytes and maxIdlePerBackend must be >= 1");
        }
        this.fallback = fallback;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.maxAnswerBytes = maxAnswerBytes;
        this.maxIdlePerBackend = maxIdlePerBackend;
        this.ownLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("backend-transport", true), NioIoHandler.newFactory());
    }

    /** One request in flight: what to send, where its answer goes, and whether it may be sent again. */
    private final class Exchange {
        final URI endpoint;
        final Map<String, String> headers;
        final byte[] body;
        final Duration timeout;
        final CompletableFuture<Answer> result;
        final EventLoop loop;
        ScheduledFuture<?> timer;
        boolean reused;
        boolean answerStarted;
        boolean retried;

        Exchange(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout, CompletableFuture<Answer> result, EventLoop loop) {
            this.endpoint = endpoint;
            this.headers = headers;
            this.body = body;
            this.timeout = timeout;
            this.result = result;
            this.loop = loop;
        }

        void fail(Throwable t) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (reused && !answerStarted && !retried && !(t instanceof HttpTimeoutException)) {
                retried = true;
                reused = false;
                connect(this); // the idle connection was stale: once more on a fresh one
                return;
            }
            result.completeExceptionally(t);
        }
    }

    @Override
    public CompletableFuture<Answer> post(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
        if (!"http".equalsIgnoreCase(endpoint.getScheme())) {
            return fallback.post(endpoint, headers, body, timeout);
        }
        EventLoop loop = currentNioLoop();
        CompletableFuture<Answer> result = new CompletableFuture<>();
        Exchange ex = new Exchange(endpoint, headers, body, timeout, result, loop == null ? ownLoop.next() : loop);
        if (ex.loop.inEventLoop()) {
            start(ex);
        } else {
            ex.loop.execute(() -> start(ex));
        }
        return result;
    }

    private static EventLoop currentNioLoop() {
        EventExecutor current = ThreadExecutorMap.currentExecutor();
        return current instanceof IoEventLoop loop && loop.isIoType(NioIoHandler.class) ? loop : null;
    }

    private static String key(URI endpoint) {
        return endpoint.getHost() + ':' + port(endpoint);
    }

    private static int port(URI endpoint) {
        return endpoint.getPort() < 0 ? 80 : endpoint.getPort();
    }

    private void start(Exchange ex) {
        ArrayDeque<Channel> pool = idle.get().get(key(ex.endpoint));
        Channel ch;
        while (pool != null && (ch = pool.pollLast()) != null) {
            if (ch.isActive()) {
                ex.reused = true;
                send(ch, ex);
                return;
            }
        }
        connect(ex);
    }

    private void connect(Exchange ex) {
        String key = key(ex.endpoint);
        new Bootstrap().group(ex.loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new AnswerStart(), new HttpObjectAggregator(maxAnswerBytes),
                                new AnswerHandler(key));
                    }
                })
                .connect(ex.endpoint.getHost(), port(ex.endpoint))
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        f.channel().closeFuture().addListener(c -> forget(key, f.channel()));
                        send(f.channel(), ex);
                    } else {
                        ex.fail(f.cause());
                    }
                });
    }

    private void send(Channel ch, Exchange ex) {
        ch.attr(EXCHANGE).set(ex);
        URI u = ex.endpoint;
        String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(ex.body));
        var h = request.headers();
        h.set(HttpHeaderNames.HOST, u.getPort() < 0 ? u.getHost() : u.getHost() + ':' + u.getPort())
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, ex.body.length);
        ex.headers.forEach(h::set);
        ex.timer = ex.loop.schedule(() -> {
            if (ch.attr(EXCHANGE).compareAndSet(ex, null)) {
                ex.result.completeExceptionally(new HttpTimeoutException("request timed out after " + ex.timeout.toMillis() + " ms"));
                ch.close(); // a late answer must not be taken for the next request's
            }
        }, ex.timeout.toNanos(), TimeUnit.NANOSECONDS);
        ch.writeAndFlush(request).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() && ch.attr(EXCHANGE).compareAndSet(ex, null)) {
                ch.close();
                ex.fail(f.cause());
            }
        });
    }

    private void forget(String key, Channel ch) {
        ArrayDeque<Channel> pool = idle.get().get(key);
        if (pool != null) {
            pool.remove(ch);
        }
    }

    /** Marks the exchange once the answer's first part arrived: from then on a failure is never retried. */
    private static final class AnswerStart extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex != null) {
                ex.answerStarted = true;
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final String key;

        AnswerHandler(String key) {
            this.key = key;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (ex == null) {
                ctx.close(); // nobody asked (the request timed out): this connection's answers can no longer be matched
                return;
            }
            ex.timer.cancel(false);
            String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
            Answer answer = new Answer(response.status().code(), type, ByteBufUtil.getBytes(response.content()));
            if (HttpUtil.isKeepAlive(response) && ctx.channel().isActive()) {
                ArrayDeque<Channel> pool = idle.get().computeIfAbsent(key, k -> new ArrayDeque<>());
                if (pool.size() < maxIdlePerBackend) {
                    pool.addLast(ctx.channel());
                } else {
                    ctx.close();
                }
            } else {
                ctx.close();
            }
            ex.result.complete(answer);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (ex != null) {
                ex.fail(new IOException("backend " + key + " closed the connection before answering"));
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Exchange ex = ctx.channel().attr(EXCHANGE).getAndSet(null);
            ctx.close();
            if (ex != null) {
                ex.answerStarted = true; // a malformed or oversized answer: sending again would not help
                ex.fail(new IOException("backend " + key + " answer unreadable: " + cause.getMessage(), cause));
            }
        }
    }

    @Override
    public void close() {
        ownLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
