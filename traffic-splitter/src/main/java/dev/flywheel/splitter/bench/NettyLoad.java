package dev.flywheel.splitter.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The bench's load generator in the manner of wrk: {@code concurrency} keep-alive connections driven by one Netty
 * event loop thread, one request in flight per connection, paced per connection ({@code rate / concurrency} per
 * second, sent at once when late) or back to back. Latency is measured from the send to the last byte of the answer.
 * The JDK-client generator ({@code client=jdk}) runs 32 platform threads plus the client's own, which on two cores
 * is much of the scheduling noise both paths' tails show.
 */
final class NettyLoad {
    private NettyLoad() {}

    static SplitterBench.LoadResult run(URI uri, Map<String, String> headers, byte[] body, int concurrency, int rate, int seconds)
            throws InterruptedException {
        var group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-load", true), NioIoHandler.newFactory());
        try {
            EventLoop loop = group.next();
            Pace pace = Pace.start(rate, concurrency, seconds);
            Worker[] workers = new Worker[concurrency];
            CountDownLatch done = new CountDownLatch(concurrency);
            for (int w = 0; w < concurrency; w++) {
                workers[w] = new Worker(uri, headers, body, "user-" + w, pace, pace.first(w), done);
                workers[w].connect(loop);
            }
            if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("load workers did not finish");
            }
            double elapsed = pace.elapsedS();
            long[][] latencies = new long[concurrency][];
            int[] counts = new int[concurrency];
            long errors = 0;
            for (int w = 0; w < concurrency; w++) {
                latencies[w] = workers[w].latenciesUs;
                counts[w] = workers[w].count;
                errors += workers[w].errors;
            }
            return SplitterBench.LoadResult.of(latencies, counts, elapsed, errors);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * One connection's loop: send, await the answer, record, schedule the next; reconnects after a failure (the same
     * instance then serves the new connection, hence sharable). Unit {@code user-<index>}, as in the JDK generator.
     */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Worker extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final URI uri;
        private final Map<String, String> headers;
        private final byte[] body;
        private final String unit;
        private final Pace pace;
        private final CountDownLatch done;
        final long[] latenciesUs;
        int count;
        long errors;
        private long next;
        private long sentAt;
        private Channel channel;
        private EventLoop loop;
        private boolean finished;

        Worker(URI uri, Map<String, String> headers, byte[] body, String unit, Pace pace, long first, CountDownLatch done) {
            this.unit = unit;
            this.uri = uri;
            this.headers = headers;
            this.body = body;
            this.pace = pace;
            this.next = first;
            this.latenciesUs = new long[pace.capacity()];
            this.done = done;
        }

        void connect(EventLoop loop) {
            this.loop = loop;
            Worker self = this;
            new Bootstrap().group(loop).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), self);
                        }
                    })
                    .connect(uri.getHost(), uri.getPort()).addListener(f -> {
                        if (f.isSuccess()) {
                            channel = ((io.netty.channel.ChannelFuture) f).channel();
                            schedule();
                        } else {
                            errors++;
                            loop.schedule(() -> connect(loop), 10, TimeUnit.MILLISECONDS);
                        }
                    });
        }

        private void schedule() {
            long wait = pace.intervalNs() > 0 ? next - System.nanoTime() : 0;
            if (wait > 0) {
                loop.schedule(this::send, wait, TimeUnit.NANOSECONDS);
            } else {
                send();
            }
        }

        private void send() {
            next += pace.intervalNs();
            long now = System.nanoTime();
            if (now >= pace.endNs()) {
                finish();
                return;
            }
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath(), Unpooled.wrappedBuffer(body));
            request.headers().set(HttpHeaderNames.HOST, uri.getHost() + ':' + uri.getPort())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            headers.forEach(request.headers()::set);
            request.headers().set("X-Flywheel-Unit", unit);
            sentAt = now;
            channel.writeAndFlush(request);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            long us = (System.nanoTime() - sentAt) / 1000;
            if (response.status().code() != 200 && errors++ == 0) {
                System.err.println("first error on " + uri + ": status " + response.status() + " "
                        + response.content().toString(StandardCharsets.UTF_8));
            }
            if (count < latenciesUs.length) {
                latenciesUs[count++] = us;
            }
            schedule();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) {
                errors++;
                connect(loop); // the request in flight is lost; go on with a new connection
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void finish() {
            if (!finished) {
                finished = true;
                channel.close();
                done.countDown();
            }
        }
    }
}
