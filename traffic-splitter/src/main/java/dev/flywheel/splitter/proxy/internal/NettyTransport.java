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
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
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
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link BackendTransport} over Netty, for plain-http backends, whole and streamed; other schemes go to {@code fallback}. A call made on a
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
    /** The lookup threads this transport owns, shut down by {@link #close} (null when the caller gave its own). */
    private final ExecutorService ownResolving;
    private final OffLoopResolver resolver;
    /** Idle connections by "host:port", per event loop thread. */
    private final FastThreadLocal<Map<String, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<String, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    public NettyTransport(BackendTransport fallback, Duration connectTimeout, int maxAnswerBytes, int maxIdlePerBackend) {
        this(fallback, connectTimeout, maxAnswerBytes, maxIdlePerBackend, null);
    }

    /** {@code resolving} looks up backend host names (never on an event loop); null: a small pool of this transport's own. */
    NettyTransport(BackendTransport fallback, Duration connectTimeout, int maxAnswerBytes, int maxIdlePerBackend, Executor resolving) {
        if (maxAnswerBytes < 1 || maxIdlePerBackend < 1) {
            throw new IllegalArgumentException("maxAnswerBytes and maxIdlePerBackend must be >= 1");
        }
        this.fallback = fallback;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.maxAnswerBytes = maxAnswerBytes;
        this.maxIdlePerBackend = maxIdlePerBackend;
        this.ownLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("backend-transport", true), NioIoHandler.newFactory());
        this.ownResolving = resolving == null ? lookupThreads() : null;
        this.resolver = new OffLoopResolver(resolving == null ? ownResolving : resolving);
    }

    /** At most four lookups at once (a slow DNS server must not grow a thread per connect), idle threads end after 60 s. */
    private static ExecutorService lookupThreads() {
        var pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new DefaultThreadFactory("backend-dns", true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** One request in flight: what to send, where its answer goes, and whether it may be sent again. */
    private final class Exchange {
        final URI endpoint;
        final Map<String, String> headers;
        final byte[] body;
        final Duration timeout;
        /** Completed with an {@link Answer} (whole) or a {@link Streamed} (at the answer's head). */
        final CompletableFuture<Object> result = new CompletableFuture<>();
        final boolean streamed;
        final EventLoop loop;
        ScheduledFuture<?> timer;
        boolean reused;
        boolean answerStarted;
        boolean retried;
        /** From the answer's head on. */
        int status;
        String contentType;
        boolean keepAlive;
        CompositeByteBuf whole;
        StreamedBody stream;

        Exchange(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout, boolean streamed, EventLoop loop) {
            this.endpoint = endpoint;
            this.headers = headers;
            this.body = body;
            this.timeout = timeout;
            this.streamed = streamed;
            this.loop = loop;
        }

        void fail(Throwable t) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (whole != null) {
                whole.release();
                whole = null;
            }
            if (stream != null) {
                stream.fail(t); // the head was out: the client learns through its stream
                return;
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
        return begin(endpoint, headers, body, timeout, false).thenApply(Answer.class::cast);
    }

    @Override
    public CompletableFuture<Streamed> stream(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout) {
        if (!"http".equalsIgnoreCase(endpoint.getScheme())) {
            return fallback.stream(endpoint, headers, body, timeout);
        }
        return begin(endpoint, headers, body, timeout, true).thenApply(Streamed.class::cast);
    }

    private CompletableFuture<Object> begin(URI endpoint, Map<String, String> headers, byte[] body, Duration timeout, boolean streamed) {
        EventLoop loop = currentNioLoop();
        Exchange ex = new Exchange(endpoint, headers, body, timeout, streamed, loop == null ? ownLoop.next() : loop);
        if (ex.loop.inEventLoop()) {
            start(ex);
        } else {
            ex.loop.execute(() -> start(ex));
        }
        return ex.result;
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
        new Bootstrap().group(ex.loop).channel(NioSocketChannel.class).resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new AnswerHandler(key));
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
                ch.close(); // a late answer must not be taken for the next request's
                ex.fail(new HttpTimeoutException("request timed out after " + ex.timeout.toMillis() + " ms"));
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

    /**
     * Turns the codec's parts into the exchange's answer: a whole body gathered up to {@code maxAnswerBytes}, or a
     * stream handed out at the head. The connection goes back to the pool once the last part arrived.
     */
    private final class AnswerHandler extends ChannelInboundHandlerAdapter {
        private final String key;

        AnswerHandler(String key) {
            this.key = key;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex == null) {
                ReferenceCountUtil.release(msg);
                ctx.close(); // nobody asked (the request timed out): this connection's answers can no longer be matched
                return;
            }
            try {
                if (msg instanceof HttpResponse head) {
                    head(ctx, ex, head);
                }
                if (msg instanceof HttpContent part && ctx.channel().attr(EXCHANGE).get() == ex) {
                    part(ctx, ex, part);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void head(ChannelHandlerContext ctx, Exchange ex, HttpResponse head) {
            ex.answerStarted = true;
            ex.status = head.status().code();
            ex.contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
            ex.keepAlive = HttpUtil.isKeepAlive(head);
            if (ex.streamed) {
                ex.timer.cancel(false); // the timeout bounds the wait for the head only
                ctx.channel().config().setAutoRead(false); // from now on the subscriber's demand drives the reads
                ex.stream = new StreamedBody(ctx.channel(), () -> {
                    if (ctx.channel().attr(EXCHANGE).compareAndSet(ex, null)) {
                        ctx.close(); // the client left: dropping the connection stops the backend's generation
                    }
                });
                ex.result.complete(new Streamed(ex.status, ex.contentType, ex.stream));
            } else {
                ex.whole = ctx.alloc().compositeBuffer(64);
            }
        }

        private void part(ChannelHandlerContext ctx, Exchange ex, HttpContent part) {
            var bytes = part.content();
            if (ex.stream != null) {
                if (bytes.isReadable()) {
                    ex.stream.chunk(ByteBufUtil.getBytes(bytes));
                }
            } else if (ex.whole.readableBytes() + bytes.readableBytes() > maxAnswerBytes) {
                ctx.channel().attr(EXCHANGE).set(null);
                ctx.close();
                ex.fail(new IOException("backend " + key + " answer is over the limit of " + maxAnswerBytes + " bytes"));
                return;
            } else {
                ex.whole.addComponent(true, bytes.retain());
            }
            if (part instanceof LastHttpContent) {
                finish(ctx, ex);
            }
        }

        private void finish(ChannelHandlerContext ctx, Exchange ex) {
            ctx.channel().attr(EXCHANGE).set(null);
            ex.timer.cancel(false);
            Channel ch = ctx.channel();
            if (ex.keepAlive && ch.isActive()) {
                ch.config().setAutoRead(true); // idle in the pool: notice when the backend closes it
                ArrayDeque<Channel> pool = idle.get().computeIfAbsent(key, k -> new ArrayDeque<>());
                if (pool.size() < maxIdlePerBackend) {
                    pool.addLast(ch);
                } else {
                    ch.close();
                }
            } else {
                ch.close();
            }
            if (ex.stream != null) {
                ex.stream.end();
            } else {
                byte[] body = ByteBufUtil.getBytes(ex.whole);
                ex.whole.release();
                ex.whole = null;
                ex.result.complete(new Answer(ex.status, ex.contentType, body));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Exchange ex = ctx.channel().attr(EXCHANGE).get();
            if (ex != null && ex.stream != null) {
                ex.stream.readComplete();
            }
            ctx.fireChannelReadComplete();
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
                ex.answerStarted = true; // a malformed answer: sending again would not help
                ex.fail(new IOException("backend " + key + " answer unreadable: " + cause.getMessage(), cause));
            }
        }
    }

    @Override
    public void close() {
        ownLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (ownResolving != null) {
            ownResolving.shutdownNow();
        }
    }
}
