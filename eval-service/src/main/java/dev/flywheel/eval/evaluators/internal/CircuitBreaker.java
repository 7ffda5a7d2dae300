package dev.flywheel.eval.evaluators.internal;

import java.time.Clock;
import java.time.Duration;

/**
 * Consecutive-failure circuit breaker. Closed: calls pass, {@code failureThreshold} consecutive failed calls open
 * it. Open: calls are refused until {@code openFor} has passed on the injected clock. Half-open: one trial call
 * passes; its success closes the breaker, its failure opens it again. Thread-safe.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failureThreshold;
    private final Duration openFor;
    private final Clock clock;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openUntilMs;
    private boolean trialInFlight;

    public CircuitBreaker(int failureThreshold, Duration openFor, Clock clock) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be >= 1, got " + failureThreshold);
        }
        this.failureThreshold = failureThreshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** Whether a call may go out now; a true in half-open state reserves the single trial call. */
    public synchronized boolean tryAcquire() {
        if (state == State.OPEN) {
            if (clock.millis() < openUntilMs) {
                return false;
            }
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (state == State.HALF_OPEN) {
            if (trialInFlight) {
                return false;
            }
            trialInFlight = true;
        }
        return true;
    }

    public synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        trialInFlight = false;
    }

    public synchronized void onFailure() {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || consecutiveFailures >= failureThreshold) {
            state = State.OPEN;
            openUntilMs = clock.millis() + openFor.toMillis();
            trialInFlight = false;
        }
    }

    /** A call that went out but whose outcome says nothing about the endpoint's health (e.g. a 4xx): frees the trial. */
    public synchronized void onNeutral() {
        trialInFlight = false;
    }

    public synchronized State state() {
        if (state == State.OPEN && clock.millis() >= openUntilMs) {
            return State.HALF_OPEN;
        }
        return state;
    }

    public synchronized long openUntilMs() {
        return openUntilMs;
    }
}
