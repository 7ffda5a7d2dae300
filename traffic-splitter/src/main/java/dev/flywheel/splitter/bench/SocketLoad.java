package dev.flywheel.splitter.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bench's default load generator ({@code client=socket}): one platform thread per keep-alive connection, blocking
 * socket I/O, one request in flight per connection, paced per connection ({@code rate / concurrency} per second, sent
 * at once when late) or back to back. A request costs the generator two wake-ups of its own thread (the pacing timer
 * and the answer's arrival); the JDK HttpClient ({@code client=jdk}) adds its selector thread and an executor thread
 * per answer (17 % of a core at 2,000 req/s, 2026-12-06), and the one-thread Netty generator ({@code client=netty})
 * delays every connection's measurement when its one thread waits for a core. Latency is measured from the write of
 * the request to the last byte of the answer.
 */
final class SocketLoad implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 30_000;

    /** One per worker, kept open from one run to the next. */
    private final Connection[] connections;
    /** Worker w drives connections[w]; it takes one task per run from inbox[w]. */
    private final Thread[] workers;
    private final List<BlockingQueue<Runnable>> inbox = new ArrayList<>();

    /**
     * {@code concurrency} connections to {@code uri}, each opened by its first request, and their worker threads, both
     * kept across {@link #run}s, as wrk and the JDK client keep their connections: a bench that opened 32 connections
     * and started 32 threads per 2-second round measured the splitter's connection set-up (accept, its Micronaut
     * pipeline) and a burst of thread starts in the first milliseconds of every proxied round (most of the proxied
     * requests over 2 ms fell there: perf sched against per-request times, 2026-12-06).
     */
    SocketLoad(URI uri, Map<String, String> headers, byte[] body, int concurrency) {
        this.connections = new Connection[concurrency];
        this.workers = new Thread[concurrency];
        for (int w = 0; w < concurrency; w++) {
            connections[w] = new Connection(uri, RawHttp1.request(uri, headers, body, "user-" + w));
            BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(1);
            inbox.add(tasks);
            workers[w] = Thread.ofPlatform().name("bench-socket-" + w).daemon().start(() -> {
                try {
                    while (true) {
                        tasks.take().run();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closed
                }
            });
        }
    }

    /** Every connection on its worker for {@code seconds}, paced at {@code rate} in all (0: back to back). */
    SplitterBench.LoadResult run(int rate, int seconds) throws InterruptedException {
        int concurrency = connections.length;
        Pace pace = Pace.start(rate, concurrency, seconds);
        long[][] latencies = new long[concurrency][pace.capacity()];
        int[] counts = new int[concurrency];
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            inbox.get(w).put(() -> {
                try {
                    counts[worker] = drive(connections[worker], pace, pace.first(worker), latencies[worker], errors);
                } finally {
                    done.countDown();
                }
            });
        }
        if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
            throw new IllegalStateException("load workers on " + connections[0].uri + " did not finish");
        }
        return SplitterBench.LoadResult.of(latencies, counts, pace.elapsedS(), errors.get());
    }

    @Override
    public void close() throws InterruptedException {
        for (Thread t : workers) {
            t.interrupt();
        }
        for (Thread t : workers) {
            t.join();
        }
        for (Connection c : connections) {
            c.close();
        }
    }

    /** One connection's loop until the run ends; returns how many latencies (µs) it wrote to {@code lat}. */
    private static int drive(Connection connection, Pace pace, long due, long[] lat, AtomicLong errors) {
        int n = 0;
        while (true) {
            due = pace.await(due);
            long t0 = System.nanoTime();
            if (t0 >= pace.endNs()) {
                return n;
            }
            if (connection.exchange(errors) && n < lat.length) {
                lat[n++] = (System.nanoTime() - t0) / 1000;
            }
        }
    }

    /**
     * One keep-alive connection, opened on first use and again after a failure. {@link #exchange} is its own method,
     * called once per request, so the JIT compiles it during the warm-up; as part of the driving loop it was only
     * compiled on-stack, inside the measured rounds.
     */
    private static final class Connection {
        private final URI uri;
        private final byte[] request;
        private final byte[] buf = new byte[16 * 1024];
        private Socket socket;
        private RawHttp1.AnswerReader answers;

        Connection(URI uri, byte[] request) {
            this.uri = uri;
            this.request = request;
        }

        /** Sends the request and reads the answer; false when it failed (counted; the next request reconnects). */
        boolean exchange(AtomicLong errors) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(READ_TIMEOUT_MS);
                    socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), READ_TIMEOUT_MS);
                    answers = new RawHttp1.AnswerReader(buf.length);
                }
                OutputStream out = socket.getOutputStream();
                out.write(request);
                RawHttp1.Answer answer = answers.read(socket.getInputStream(), buf);
                if (answer.status() != 200 && errors.incrementAndGet() == 1) {
                    System.err.println("first error on " + uri + ": status " + answer.status());
                }
                if (answer.close()) {
                    close();
                }
                return true;
            } catch (IOException e) {
                if (errors.incrementAndGet() == 1) {
                    System.err.println("first error on " + uri + ": " + e);
                }
                close();
                return false;
            }
        }

        void close() {
            closeQuietly(socket);
            socket = null;
            if (answers != null) {
                answers.close();
                answers = null;
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            // Closing a connection the bench is done with: nothing to recover, and the request already counted as failed.
        }
    }
}
