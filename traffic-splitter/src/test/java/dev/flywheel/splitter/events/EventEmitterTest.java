package dev.flywheel.splitter.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.splitter.assignment.Assigner;
import dev.flywheel.splitter.bench.StubBackend;
import dev.flywheel.splitter.config.SplitterConfig;
import dev.flywheel.splitter.experiments.InMemoryExperimentStore;
import dev.flywheel.splitter.metrics.SplitterMetrics;
import dev.flywheel.splitter.proxy.ProxyReply;
import dev.flywheel.splitter.proxy.ProxyService;
import dev.flywheel.splitter.proxy.Route;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class EventEmitterTest {
    private static InferenceEvent event(String id) {
        return new InferenceEvent(id, 1_767_225_600_000L, "", "", -1, "u", "m", "", List.of(), "", "", 0, 0, 0, 0, 0,
                InferenceStatus.OK, "", Map.of());
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void kafkaFailuresAreCountedAsLostNotSwallowed() {
        SplitterMetrics metrics = new SplitterMetrics(new SimpleMeterRegistry());
        EventSink failing = new EventSink() {
            @Override
            public void send(InferenceEvent event, java.util.function.Consumer<Exception> done) {
                done.accept(new IllegalStateException("broker down"));
            }

            @Override
            public void close() {}
        };
        try (EventEmitter emitter = new EventEmitter(failing, 10, metrics)) {
            assertTrue(emitter.emit(event("e1")));
            assertTrue(emitter.emit(event("e2")));
            await(() -> emitter.lost() == 2, "two lost events");
            assertEquals(2.0, metrics.eventsLost());
            assertEquals(0.0, metrics.eventsSent());
        }
    }

    @Test
    void fullBufferDropsAndCountsInsteadOfBlocking() throws Exception {
        SplitterMetrics metrics = new SplitterMetrics(new SimpleMeterRegistry());
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        EventSink stuck = new EventSink() {
            @Override
            public void send(InferenceEvent event, java.util.function.Consumer<Exception> done) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.accept(null);
            }

            @Override
            public void close() {}
        };
        try (EventEmitter emitter = new EventEmitter(stuck, 2, metrics)) {
            emitter.emit(event("first"));
            entered.await();
            assertTrue(emitter.emit(event("a")));
            assertTrue(emitter.emit(event("b")));
            assertFalse(emitter.emit(event("c")));
            assertEquals(1, emitter.lost());
            release.countDown();
            await(() -> metrics.eventsSent() == 3.0, "three sent events");
        }
    }

    @Test
    void proxyKeepsServingWhenKafkaIsUnreachableAndReportsTheLoss() throws Exception {
        SplitterMetrics metrics = new SplitterMetrics(new SimpleMeterRegistry());
        try (StubBackend backend = new StubBackend(false);
             EventEmitter emitter = new EventEmitter(
                     new KafkaEventSink("127.0.0.1:1", Topics.standard().inference(), new EventCodec(), Duration.ofSeconds(1), Duration.ofMillis(5)), 100, metrics)) {
            ProxyService proxy = new ProxyService(SplitterConfig.defaults(backend.url()), new InMemoryExperimentStore(), new Assigner(),
                    emitter, metrics, java.net.http.HttpClient.newHttpClient(), Clock.systemUTC(), new ObjectMapper());
            byte[] body = "{\"model\":\"base\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
            ProxyReply reply = proxy.complete(Route.CHAT, body, name -> null).get();
            var whole = (ProxyReply.Whole) reply;
            assertEquals(200, whole.status());
            assertTrue(new String(whole.body(), StandardCharsets.UTF_8).contains("reply from base"));
            await(() -> emitter.lost() == 1, "the event to be reported lost");
            assertEquals(1.0, metrics.eventsLost());
        }
    }

    @Test
    void deferredEventsAreBuiltOnTheSenderThreadAndABrokenBuilderIsCountedLost() {
        SplitterMetrics metrics = new SplitterMetrics(new SimpleMeterRegistry());
        java.util.List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.Set<Thread> builtOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        EventSink recording = new EventSink() {
            @Override
            public void send(InferenceEvent event, java.util.function.Consumer<Exception> done) {
                sent.add(event.eventId());
                done.accept(null);
            }

            @Override
            public void close() {}
        };
        try (EventEmitter emitter = new EventEmitter(recording, 10, metrics)) {
            assertTrue(emitter.emitLater(() -> {
                builtOn.add(Thread.currentThread());
                return event("built-later");
            }));
            assertTrue(emitter.emitLater(() -> {
                throw new IllegalStateException("unparseable answer");
            }));
            assertTrue(emitter.emit(event("after")));
            await(() -> sent.size() == 2 && emitter.lost() == 1, "two sent events and one lost");
            assertEquals(List.of("built-later", "after"), sent);
            assertFalse(builtOn.contains(Thread.currentThread()), "built on the caller's thread");
        }
    }
}
