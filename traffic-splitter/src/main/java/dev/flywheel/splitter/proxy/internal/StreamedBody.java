package dev.flywheel.splitter.proxy.internal;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A backend answer's body as a one-subscriber {@link Publisher}, fed by {@link NettyTransport} on the connection's
 * event loop. The connection reads (auto-read off) only while the subscriber has demand, so a slow client slows the
 * backend's stream instead of filling memory: at most one socket read of chunks waits here. Every signal runs on the
 * event loop, which serialises them as Reactive Streams requires.
 */
final class StreamedBody implements Publisher<byte[]> {
    private final Channel channel;
    private final Runnable onCancel;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private Subscriber<? super byte[]> subscriber;
    private long demand;
    private boolean complete;
    private Throwable error;
    private boolean terminated;

    StreamedBody(Channel channel, Runnable onCancel) {
        this.channel = channel;
        this.onCancel = onCancel;
    }

    @Override
    public void subscribe(Subscriber<? super byte[]> s) {
        channel.eventLoop().execute(() -> {
            if (subscriber != null) {
                s.onSubscribe(new Subscription() {
                    @Override public void request(long n) { }
                    @Override public void cancel() { }
                });
                s.onError(new IllegalStateException("a backend stream can be read once"));
                return;
            }
            subscriber = s;
            s.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    channel.eventLoop().execute(() -> more(n));
                }

                @Override
                public void cancel() {
                    channel.eventLoop().execute(StreamedBody.this::cancelled);
                }
            });
            drain();
        });
    }

    /** A chunk from the backend (event loop). */
    void chunk(byte[] bytes) {
        if (!terminated) {
            pending.add(bytes);
            drain();
        }
    }

    /** The backend's answer ended (event loop). */
    void end() {
        complete = true;
        drain();
    }

    /** The connection broke mid-answer (event loop). */
    void fail(Throwable t) {
        if (!complete) {
            error = t;
            drain();
        }
    }

    /** After a socket read: read on only while the subscriber still wants more (event loop). */
    void readComplete() {
        if (!terminated && !complete && demand > pending.size()) {
            channel.read();
        }
    }

    private void more(long n) {
        if (terminated) {
            return;
        }
        if (n <= 0) {
            terminated = true;
            onCancel.run();
            subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)"));
            return;
        }
        boolean idle = demand <= pending.size();
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        drain();
        if (idle && !terminated && !complete && pending.isEmpty()) {
            channel.read();
        }
    }

    private void cancelled() {
        if (!terminated) {
            terminated = true;
            pending.clear();
            onCancel.run();
        }
    }

    private void drain() {
        if (subscriber == null || terminated) {
            return;
        }
        while (demand > 0 && !pending.isEmpty()) {
            demand--;
            subscriber.onNext(pending.poll());
            if (terminated) {
                return; // cancelled from within onNext
            }
        }
        if (pending.isEmpty() && (complete || error != null)) {
            terminated = true;
            if (complete) {
                subscriber.onComplete();
            } else {
                subscriber.onError(error);
            }
        }
    }
}
