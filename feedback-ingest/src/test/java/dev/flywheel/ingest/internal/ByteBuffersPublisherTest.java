package dev.flywheel.ingest.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class ByteBuffersPublisherTest {
    /** Collects what it receives, requesting {@code batch} items at a time (from onNext, as HTTP clients do). */
    private static class Collector implements Flow.Subscriber<ByteBuffer> {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int batch;
        Flow.Subscription subscription;
        int outstanding;
        int items;
        boolean completed;
        Throwable error;

        Collector(int batch) {
            this.batch = batch;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            outstanding = batch;
            s.request(batch);
        }

        @Override
        public void onNext(ByteBuffer item) {
            assertTrue(outstanding > 0, "onNext without demand");
            outstanding--;
            items++;
            byte[] b = new byte[item.remaining()];
            item.get(b);
            bytes.writeBytes(b);
            if (outstanding == 0) {
                outstanding = batch;
                subscription.request(batch);
            }
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    private static byte[] random(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    @Test
    void everySubscriberGetsExactlyTheRangesInOrderWithoutCopyingOrMovingThem() {
        SplittableRandom r = new SplittableRandom(3);
        byte[] a = random(r, 3 * ByteBuffersPublisher.SLICE + 17);
        byte[] b = random(r, 100);
        ByteBuffer first = ByteBuffer.wrap(a, 5, a.length - 10);
        ByteBuffer second = ByteBuffer.wrap(b, 0, 100);
        ByteBuffersPublisher publisher = new ByteBuffersPublisher(List.of(first, second, ByteBuffer.wrap(b, 0, 0)));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a, 5, a.length - 10);
        expected.write(b, 0, 100);
        assertEquals(expected.size(), publisher.length());
        for (int batch : new int[] {1, 2, Integer.MAX_VALUE}) {
            Collector c = new Collector(batch);
            publisher.subscribe(c);
            assertTrue(c.completed, "completes after the last range");
            assertEquals(null, c.error);
            assertArrayEquals(expected.toByteArray(), c.bytes.toByteArray());
            assertEquals(5, c.items, "the first range in slices of at most SLICE bytes, then the second");
        }
        assertEquals(5, first.position(), "the caller's buffers are not moved");
        assertEquals(a.length - 5, first.limit());
    }

    @Test
    void itemsAreViewsOfTheCallersArrayNotCopies() {
        byte[] a = new byte[2 * ByteBuffersPublisher.SLICE + 1];
        ByteBuffersPublisher publisher = new ByteBuffersPublisher(List.of(ByteBuffer.wrap(a)));
        List<ByteBuffer> received = new ArrayList<>();
        Collector keeping = new Collector(Integer.MAX_VALUE) {
            @Override
            public void onNext(ByteBuffer item) {
                received.add(item);
            }
        };
        publisher.subscribe(keeping);
        assertTrue(keeping.completed);
        assertEquals(3, received.size());
        a[0] = 1; // after delivery: a view sees it, a copy (such as ofByteArray's 16 KiB buffers) would not
        a[ByteBuffersPublisher.SLICE] = 2;
        a[a.length - 1] = 3;
        assertEquals(1, received.get(0).get(0));
        assertEquals(2, received.get(1).get(0));
        assertEquals(3, received.get(2).get(0));
        assertTrue(received.get(0).isReadOnly());
    }

    @Test
    void cancelStopsDeliveryAndANonPositiveRequestIsAnError() {
        ByteBuffersPublisher publisher = new ByteBuffersPublisher(List.of(ByteBuffer.wrap(new byte[3 * ByteBuffersPublisher.SLICE])));
        Collector cancelling = new Collector(1) {
            @Override
            public void onNext(ByteBuffer item) {
                items++;
                subscription.cancel();
                subscription.request(1);
            }
        };
        publisher.subscribe(cancelling);
        assertEquals(1, cancelling.items);
        assertFalse(cancelling.completed);

        Collector zero = new Collector(1) {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(0);
            }
        };
        publisher.subscribe(zero);
        assertInstanceOf(IllegalArgumentException.class, zero.error);
        assertEquals(0, zero.items);
    }
}
