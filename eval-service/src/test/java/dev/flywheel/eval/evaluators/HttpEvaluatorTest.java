package dev.flywheel.eval.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.eval.evaluators.internal.CircuitBreaker;
import dev.flywheel.eval.evaluators.internal.HttpEvaluator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HttpEvaluatorTest {
    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
        void advance(Duration d) { now = now.plus(d); }
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    private static CompiledEvaluator http(Clock clock, StubServer s, String extra) {
        var compiler = new EvaluatorCompiler(Fixtures.backends(clock, Optional.empty(), Optional.empty()));
        return Fixtures.compile(compiler, "{\"id\":\"reward\",\"type\":\"http\",\"config\":{\"url\":\"" + s.uri() + "/reward\"" + extra + "}}");
    }

    @Test
    void sendsRequestCompletionAndReferenceAndReadsScoreReasonAndMetrics() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        try (StubServer s = new StubServer(body -> {
            seen.set(body);
            return StubServer.Answer.ok("{\"score\":0.75,\"reason\":\"in stock\",\"metrics\":{\"margin\":3}}");
        })) {
            EvalResult r = http(Clock.systemUTC(), s, "").evaluate(EvalInput.of("buy the 🙂 mug", "mug"));
            assertEquals(0.75, r.score());
            assertEquals("in stock", r.reason());
            assertEquals(3.0, r.subMetrics().get("margin"));
            JsonNode sent = Fixtures.json(seen.get());
            assertEquals("buy the 🙂 mug", sent.get("completion").asText());
            assertEquals("mug", sent.get("reference").asText());
        }
    }

    @Test
    void retriesServerErrorsWithBackoffThenSucceeds() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (StubServer s = new StubServer(body -> n.incrementAndGet() <= 2
                ? new StubServer.Answer(503, "{\"error\":\"busy\"}", 0) : StubServer.Answer.ok("{\"score\":1}"))) {
            EvalResult r = http(Clock.systemUTC(), s, ",\"max_retries\":3,\"backoff_ms\":1").evaluate(EvalInput.of("x", null));
            assertTrue(r.valid(), r.reason());
            assertEquals(3, s.calls());
        }
    }

    @Test
    void timeoutsAndBadAnswersAreErrorsNeverZeros() throws Exception {
        try (StubServer slow = new StubServer(body -> new StubServer.Answer(200, "{\"score\":1}", 2_000))) {
            EvalResult r = http(Clock.systemUTC(), slow, ",\"timeout_ms\":50,\"max_retries\":1,\"backoff_ms\":1").evaluate(EvalInput.of("x", null));
            assertEquals(ResultStatus.ERROR, r.status());
            assertTrue(r.reason().contains("timed out after 50 ms") && r.reason().contains("2 attempts"), r.reason());
        }
        try (StubServer weird = new StubServer(body -> StubServer.Answer.ok("{\"score\":\"high\"}"))) {
            EvalResult r = http(Clock.systemUTC(), weird, "").evaluate(EvalInput.of("x", null));
            assertEquals(ResultStatus.ERROR, r.status());
            assertTrue(r.reason().contains("numeric 'score'"), r.reason());
        }
        try (StubServer rejecting = new StubServer(body -> new StubServer.Answer(400, "{\"error\":\"no\"}", 0))) {
            EvalResult r = http(Clock.systemUTC(), rejecting, ",\"max_retries\":3,\"backoff_ms\":1").evaluate(EvalInput.of("x", null));
            assertEquals(ResultStatus.ERROR, r.status());
            assertEquals(1, rejecting.calls(), "a 4xx is not retried");
        }
    }

    @Test
    void breakerOpensAfterRepeatedFailuresAndRecoversAfterItsCooldown() throws Exception {
        ManualClock clock = new ManualClock();
        AtomicInteger healthy = new AtomicInteger(0);
        try (StubServer s = new StubServer(body -> healthy.get() == 1 ? StubServer.Answer.ok("{\"score\":1}")
                : new StubServer.Answer(500, "{}", 0))) {
            CompiledEvaluator ce = http(clock, s, ",\"max_retries\":0,\"breaker_failures\":3,\"breaker_open_ms\":60000");
            CircuitBreaker breaker = ((HttpEvaluator) ce.implementation()).http().breaker();
            for (int i = 0; i < 3; i++) {
                assertEquals(ResultStatus.ERROR, ce.evaluate(EvalInput.of("x", null)).status());
            }
            assertEquals(CircuitBreaker.State.OPEN, breaker.state());
            EvalResult refused = ce.evaluate(EvalInput.of("x", null));
            assertTrue(refused.reason().contains("circuit breaker open"), refused.reason());
            assertEquals(3, s.calls(), "an open breaker sends nothing");
            healthy.set(1);
            clock.advance(Duration.ofSeconds(61));
            assertTrue(ce.evaluate(EvalInput.of("x", null)).valid());
            assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        }
    }

    @Test
    void concurrencyIsBoundedByTheSemaphore() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        try (StubServer s = new StubServer(body -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            StubServer.pause(20);
            inFlight.decrementAndGet();
            return StubServer.Answer.ok("{\"score\":1}");
        }); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompiledEvaluator ce = http(Clock.systemUTC(), s, ",\"max_concurrency\":4");
            List<Future<EvalResult>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                fs.add(pool.submit(() -> ce.evaluate(EvalInput.of("x", null))));
            }
            for (Future<EvalResult> f : fs) {
                assertTrue(f.get().valid(), f.get().reason());
            }
            assertTrue(peak.get() <= 4, "peak in flight " + peak.get());
            assertEquals(40, s.calls());
        }
    }
}
