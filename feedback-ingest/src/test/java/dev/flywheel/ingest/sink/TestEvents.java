package dev.flywheel.ingest.sink;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.FeedbackEvent;
import dev.flywheel.contracts.events.FeedbackKind;
import dev.flywheel.contracts.events.InferenceEvent;
import dev.flywheel.contracts.events.InferenceStatus;
import dev.flywheel.contracts.events.ScoreEvent;
import dev.flywheel.contracts.events.ScoreStatus;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Deterministic contract events for sink tests (seeded; ids are "prefix-n"). */
final class TestEvents {
    static final long T0 = 1_760_000_000_000L;
    private final SplittableRandom random;

    TestEvents(long seed) {
        this.random = new SplittableRandom(seed);
    }

    InferenceEvent inference(String prefix, int n) {
        return new InferenceEvent(prefix + "-" + n, T0 + n, "exp-" + (n % 3), "var-" + (n % 2), n % 4, "unit-" + random.nextInt(1000),
                "llama-tiny", n % 5 == 0 ? "adapter-1" : "",
                List.of(new ChatMessage("system", "be brief"), new ChatMessage("user", "what is " + n + " + 7? «ünïcødé» 😀\ttab")),
                "answer: " + (n + 7) + "\nline two", "stop", 20 + random.nextInt(50), 5 + random.nextInt(20),
                random.nextDouble() * 100, 100 + random.nextDouble() * 900, 0.0001 * n, n % 17 == 0 ? InferenceStatus.ERROR : InferenceStatus.OK,
                n % 17 == 0 ? "backend 502" : "", Map.of("tier", n % 2 == 0 ? "free" : "pro"));
    }

    FeedbackEvent feedback(String prefix, int n) {
        return switch (n % 4) {
            case 0 -> new FeedbackEvent(prefix + "-" + n, T0 + n, "req-" + n, "unit-" + n, FeedbackKind.THUMBS, (double) (n % 2), "", Map.of());
            case 1 -> new FeedbackEvent(prefix + "-" + n, T0 + n, "req-" + n, "", FeedbackKind.RATING, 1.0 + n % 5, "", Map.of("ui", "web"));
            case 2 -> new FeedbackEvent(prefix + "-" + n, T0 + n, "req-" + n, "unit-" + n, FeedbackKind.COMMENT, null, "merci ✓ 'quoted'\\", Map.of());
            default -> new FeedbackEvent(prefix + "-" + n, T0 + n, "req-" + n, "unit-" + n, FeedbackKind.METRIC, -1.5e-7 * n, "", Map.of());
        };
    }

    ScoreEvent score(String prefix, int n) {
        boolean ok = n % 9 != 0;
        return new ScoreEvent(prefix + "-" + n, T0 + n, "req-" + n, "exp-1", "var-" + (n % 2), "arith-exact", 1 + n % 2,
                ok ? random.nextDouble() : Double.NaN, n % 3 == 0 ? null : n % 2 == 0, ok ? ScoreStatus.OK : ScoreStatus.ERROR,
                ok ? "" : "evaluator timed out", random.nextDouble() * 10);
    }
}
