package dev.flywheel.ingest.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An insert body for {@code HttpRequest.BodyPublishers.fromPublisher}: the rows' byte ranges as read-only views, at
 * most {@link #SLICE} bytes each, with no copy. The JDK's {@code ofByteArray} publisher copies every body into 16 KiB
 * heap buffers (JFR of {@code ./run bench ingest}: ~0.4-0.5 GB allocated per 1M events, which also makes the young
 * collections that copy the batches in flight more frequent). The arrays must not change until the request is
 * answered; the sink never touches a sealed batch again. Every subscription (the client may resubscribe) starts from
 * the first byte. Demand follows the reactive-streams rules: onNext only as requested, request(n <= 0) is an error,
 * request may be called from onNext.
 */
final class ByteBuffersPublisher implements Flow.Publisher<ByteBuffer> {
    static final int SLICE = 256 * 1024;

    private final List<ByteBuffer> body;
    private final long length;

    /** @param body the ranges to send, in order (their positions and limits are not changed) */
    ByteBuffersPublisher(List<ByteBuffer> body) {
        this.body = List.copyOf(body);
        long n = 0;
        for (ByteBuffer b : body) {
            n += b.remaining();
        }
        this.length = n;
    }

    /** Total bytes, the request's Content-Length. */
    long length() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        List<ByteBuffer> slices = new ArrayList<>();
        for (ByteBuffer b : body) {
            for (int at = b.position(); at < b.limit(); at += SLICE) {
                slices.add(b.duplicate().position(at).limit(Math.min(b.limit(), at + SLICE)).slice().asReadOnlyBuffer());
            }
        }
        subscriber.onSubscribe(new Subscription(subscriber, slices));
    }

    private static final class Subscription implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final List<ByteBuffer> slices;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger work = new AtomicInteger(); // drain loop entries; only the first one emits
        private volatile boolean done;
        private int next; // only touched inside the drain loop

        Subscription(Flow.Subscriber<? super ByteBuffer> subscriber, List<ByteBuffer> slices) {
            this.subscriber = subscriber;
            this.slices = slices;
        }

        @Override
        public void request(long n) {
            if (done) {
                return;
            }
            if (n <= 0) {
                done = true;
                subscriber.onError(new IllegalArgumentException("request must be > 0, got " + n));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            drain();
        }

        @Override
        public void cancel() {
            done = true;
        }

        private void drain() {
            if (work.getAndIncrement() != 0) {
                return; // a drain is running further up this stack or on another thread; it will see the demand
            }
            int missed = 1;
            do {
                while (!done && next < slices.size() && demand.get() > 0) {
                    demand.decrementAndGet();
                    subscriber.onNext(slices.get(next++));
                }
                if (!done && next == slices.size()) {
                    done = true;
                    subscriber.onComplete();
                }
                missed = work.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}
