package dev.flywheel.splitter.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * One load run's schedule, shared by the bench's load generators: {@code concurrency} workers from {@code startNs}
 * until {@code endNs} (System.nanoTime), each sending every {@code intervalNs} ({@code rate / concurrency} per second;
 * 0: back to back), worker w first at {@code startNs + intervalNs * w / concurrency} so the sends are spread evenly.
 * A late worker sends at once rather than skipping a turn. {@code capacity} is how many latencies one worker keeps:
 * its share of the paced requests (+1), or 50,000 per second flat out.
 */
record Pace(long startNs, long endNs, long intervalNs, int concurrency, int capacity) {
    static Pace start(int rate, int concurrency, int seconds) {
        long start = System.nanoTime();
        long interval = rate > 0 ? (long) (1e9 * concurrency / rate) : 0;
        int capacity = Math.max(1024, (rate > 0 ? rate / concurrency + 1 : 50_000) * seconds);
        return new Pace(start, start + seconds * 1_000_000_000L, interval, concurrency, capacity);
    }

    /** When worker {@code w} sends first. */
    long first(int w) {
        return startNs + intervalNs * w / concurrency;
    }

    /** Parks until {@code due} (paced runs only); returns when the send after it is due. */
    long await(long due) {
        if (intervalNs == 0) {
            return due;
        }
        long wait = due - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
        return due + intervalNs;
    }

    double elapsedS() {
        return (System.nanoTime() - startNs) / 1e9;
    }
}
