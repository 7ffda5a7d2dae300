package dev.flywheel.dashboards.seed;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.events.ScoreEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Simulated traffic for the seeded experiment: 3,000 requests spread over the ramp (treatment share = the stage's
 * percent), evaluator scores for 60 % of successful requests (exact_match 0/1 with pass/fail, a length score
 * without), and feedback that correlates with correctness. Every tenth request and every seventh feedback event is
 * written a second time in a later insert, as a replay would, and must be counted once.
 */
final class TrafficSeed {
    private static final int REQUESTS = 3000;
    private static final List<String> INFERENCE_COLUMNS = List.of("event_id", "ts", "ts_ms", "experiment_id", "variant_id",
            "ramp_stage", "unit_id", "model", "adapter_id", "prompt", "completion", "finish_reason", "prompt_tokens",
            "completion_tokens", "ttft_ms", "latency_ms", "cost", "status", "error", "attributes", "inserted_at");
    private static final List<String> SCORE_COLUMNS = List.of("event_id", "ts", "ts_ms", "request_id", "experiment_id",
            "variant_id", "evaluator_id", "evaluator_version", "score", "passed", "status", "detail", "latency_ms", "inserted_at");
    private static final List<String> FEEDBACK_COLUMNS = List.of("event_id", "ts", "ts_ms", "request_id", "unit_id", "kind",
            "value", "comment", "attributes", "inserted_at");

    private final ClickHouseConnections connections;
    private final RandomGenerator random;
    private final FlywheelSeed story;
    private final Map<String, Long> requests = new HashMap<>();
    private final Map<String, Long> thumbs = new HashMap<>();
    private final Map<String, Long> thumbsUp = new HashMap<>();

    TrafficSeed(ClickHouseConnections connections, RandomGenerator random, FlywheelSeed story) {
        this.connections = connections;
        this.random = random;
        this.story = story;
    }

    SeededFacts write(Instant from, Instant to) {
        TableRows inference = new TableRows("inference_events", INFERENCE_COLUMNS);
        TableRows replays = new TableRows("inference_events", INFERENCE_COLUMNS);
        TableRows scores = new TableRows("score_events", SCORE_COLUMNS);
        TableRows feedback = new TableRows("feedback_events", FEEDBACK_COLUMNS);
        TableRows feedbackReplays = new TableRows("feedback_events", FEEDBACK_COLUMNS);
        Instant first = story.stageStart(0);
        long span = Duration.between(first, story.promotedAt()).toMillis();
        int feedbackCount = 0;
        for (int i = 0; i < REQUESTS; i++) {
            Instant ts = Instant.ofEpochSecond(first.plusMillis((long) (random.nextDouble() * span)).getEpochSecond());
            int stage = stageAt(ts);
            boolean treated = random.nextDouble() * 100 < FlywheelSeed.PLAN[stage];
            String variant = treated ? FlywheelSeed.TREATMENT : FlywheelSeed.CONTROL;
            String requestId = String.format("req-%05d", i);
            String unit = "user-" + random.nextInt(400);
            double u = random.nextDouble();
            String status = u < 0.02 ? "error" : u < 0.03 ? "fallback" : "ok";
            boolean correct = !"error".equals(status) && random.nextDouble() < (treated ? 0.75 : 0.55);
            long promptTokens = 20 + random.nextInt(40);
            long completionTokens = "error".equals(status) ? 0 : 5 + random.nextInt(25);
            double latency = 150 + 400 * random.nextDouble() + (treated ? 40 : 0);
            Object[] row = {requestId, ts, ts.toEpochMilli(), FlywheelSeed.EXPERIMENT, variant, stage, unit, "base",
                    treated ? FlywheelSeed.TREATMENT : "", "[{\"role\":\"user\",\"content\":\"12+30=\"}]", correct ? "42" : "41",
                    "error".equals(status) ? "" : "stop", promptTokens, completionTokens, latency * 0.2, latency,
                    (promptTokens + completionTokens) / 1000.0 * 0.02, status, "error".equals(status) ? "backend timeout" : "",
                    "{}", story.lagged(ts)};
            inference.add(row);
            if (i % 10 == 0) {
                row[row.length - 1] = ts.plusSeconds(120);
                replays.add(row);
            }
            requests.merge(variant, 1L, Long::sum);
            if ("ok".equals(status) && random.nextDouble() < 0.6) {
                addScores(scores, requestId, variant, ts, correct);
            }
            for (Object[] fb : feedbackFor(requestId, unit, variant, ts, correct)) {
                feedback.add(fb);
                if (feedbackCount++ % 7 == 0) {
                    feedbackReplays.add(fb);
                }
            }
        }
        long replayed = replays.size();
        for (TableRows rows : List.of(inference, scores, feedback, replays, feedbackReplays)) {
            rows.insertInto(connections);
        }
        return new SeededFacts(from, to, FlywheelSeed.EXPERIMENT, List.of(FlywheelSeed.CONTROL, FlywheelSeed.TREATMENT),
                requests, thumbs, thumbsUp, replayed);
    }

    private int stageAt(Instant ts) {
        int stage = 0;
        while (stage + 1 < FlywheelSeed.PLAN.length && !ts.isBefore(story.stageStart(stage + 1))) {
            stage++;
        }
        return stage;
    }

    private void addScores(TableRows scores, String requestId, String variant, Instant requestTs, boolean correct) {
        Instant ts = requestTs.plusSeconds(2);
        boolean evaluatorFailed = random.nextDouble() < 0.02;
        scores.add(ScoreEvent.eventIdFor(requestId, "exact_match", 1), ts, ts.toEpochMilli(), requestId, FlywheelSeed.EXPERIMENT,
                variant, "exact_match", 1, evaluatorFailed ? 0.0 : correct ? 1.0 : 0.0,
                evaluatorFailed ? null : correct ? 1 : 0, evaluatorFailed ? "error" : "ok",
                evaluatorFailed ? "parser crashed" : "", 0.5 + random.nextDouble(), story.lagged(ts));
        scores.add(ScoreEvent.eventIdFor(requestId, "brevity", 2), ts, ts.toEpochMilli(), requestId, FlywheelSeed.EXPERIMENT,
                variant, "brevity", 2, random.nextDouble(), null, "ok", "", 0.1 + random.nextDouble(), story.lagged(ts));
    }

    /** Thumbs for 40 % of requests (up mostly when correct), ratings for 10 %, conversions for 5 %, comments for 3 %. */
    private List<Object[]> feedbackFor(String requestId, String unit, String variant, Instant requestTs, boolean correct) {
        Instant ts = requestTs.plusSeconds(30);
        List<Object[]> out = new java.util.ArrayList<>();
        if (random.nextDouble() < 0.4) {
            boolean up = random.nextDouble() < (correct ? 0.8 : 0.3);
            out.add(feedback(requestId + "-thumbs", ts, requestId, unit, "thumbs", up ? 1.0 : 0.0, ""));
            thumbs.merge(variant, 1L, Long::sum);
            thumbsUp.merge(variant, up ? 1L : 0L, Long::sum);
        }
        if (random.nextDouble() < 0.1) {
            out.add(feedback(requestId + "-rating", ts, requestId, unit, "rating", (double) (1 + random.nextInt(5)), ""));
        }
        if (random.nextDouble() < 0.05) {
            out.add(feedback(requestId + "-conv", ts, requestId, unit, "conversion", correct ? 1.0 : 0.0, ""));
        }
        if (random.nextDouble() < 0.03) {
            out.add(feedback(requestId + "-comment", ts, requestId, unit, "comment", null, "naïve answer ✓"));
        }
        return out;
    }

    private Object[] feedback(String eventId, Instant ts, String requestId, String unit, String kind, Double value, String comment) {
        return new Object[] {eventId, ts, ts.toEpochMilli(), requestId, unit, kind, value, comment, "{}", story.lagged(ts)};
    }
}
