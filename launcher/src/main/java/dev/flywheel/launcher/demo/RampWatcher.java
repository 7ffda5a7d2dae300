package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.launcher.console.Console;
import dev.flywheel.launcher.report.DemoReport;
import java.net.URI;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Creates the champion-vs-candidate experiment with the demo's short ramp plan and follows the splitter's ramp
 * controller: stage and split, the primary metric's lift with its interval, every decision with its reasons, and the
 * observed traffic share. Decisions are the controller's own (the demo never overrides them).
 */
final class RampWatcher {
    static final List<Double> STAGES = List.of(1.0, 5.0, 10.0, 25.0, 50.0, 100.0);
    static final List<String> GUARDRAILS = List.of("error_rate", "score:" + DemoEvaluators.FORMAT);

    private final ServiceCalls splitter;
    private final ObjectMapper mapper;
    private final Console console;
    private final ReportRecorder report;
    private final DemoSettings settings;
    private final SimulatedUsers users;
    private final Clock clock;
    /** The latest decision other than hold, as "kind: reason" ("" before the first). */
    private String lastDecision = "";

    RampWatcher(ServiceCalls splitter, ObjectMapper mapper, Console console, ReportRecorder report, DemoSettings settings,
                SimulatedUsers users, Clock clock) {
        this.splitter = splitter;
        this.mapper = mapper;
        this.console = console;
        this.report = report;
        this.settings = settings;
        this.users = users;
        this.clock = clock;
    }

    /** Creates and starts the experiment (treatment at 1 %). */
    void launch(String experimentId, String champion, String candidate, URI engine) throws InterruptedException {
        ObjectNode e = mapper.createObjectNode();
        e.put("id", experimentId);
        e.put("description", "retrain candidate " + candidate + " vs champion " + champion);
        e.put("owner", "flywheel-demo");
        ArrayNode variants = e.putArray("variants");
        variants.addObject().put("id", "champion").put("backend_url", engine.toString()).put("model", champion);
        variants.addObject().put("id", "candidate").put("backend_url", engine.toString()).put("model", candidate);
        e.put("control_variant_id", "champion");
        ArrayNode plan = e.putArray("ramp_plan");
        for (int i = 0; i < STAGES.size(); i++) {
            // The 25 and 50 % stages carry most of the evidence (the 100 % stage has no control left): longer there.
            double scale = STAGES.get(i) >= 25 && STAGES.get(i) < 100 ? 2.0 : 1.0;
            plan.addObject().put("percent", STAGES.get(i))
                    .put("min_duration", java.time.Duration.ofMillis((long) (settings.stageDuration().toMillis() * scale)).toString())
                    .put("min_samples", (long) (settings.stageMinSamples() * scale));
        }
        e.putObject("primary_metric").put("metric", "score:" + DemoEvaluators.EXACT).put("direction", "higher_is_better");
        ArrayNode guardrails = e.putArray("guardrails");
        guardrails.addObject().put("metric", "error_rate").put("direction", "lower_is_better").put("absolute_limit", 0.05);
        guardrails.addObject().put("metric", "score:" + DemoEvaluators.FORMAT).put("direction", "higher_is_better");
        guardrails.addObject().put("metric", "feedback:thumbs_up_rate").put("direction", "higher_is_better").put("observe_only", true);
        guardrails.addObject().put("metric", "latency_p95").put("direction", "lower_is_better").put("observe_only", true);
        splitter.post("/v1/experiments", e);
        splitter.post("/v1/experiments/" + experimentId + "/start", mapper.createObjectNode()
                .put("reason", "retrain candidate passed the offline gate"));
        report.decision(clock.millis(), experimentId, "start", candidate + " enters at 1 % against " + champion);
        console.say(Console.Tone.OK, "experiment " + experimentId + " started: candidate at 1 %");
    }

    /**
     * Follows the experiment until {@code done} says so for its status (e.g. promoted), or the timeout. Returns the
     * final status ("promoted", "rolled_back", "running", ...).
     */
    String follow(String experimentId, java.time.Duration timeout, java.util.function.Predicate<String> done) throws InterruptedException {
        long deadline = clock.millis() + timeout.toMillis();
        Set<String> seenDecisions = new HashSet<>();
        Map<String, SimulatedUsers.VariantTally> before = users.tallies();
        JsonNode lastResults = null;
        int stage = -1;
        String status = "";
        String holdReason = "";
        while (true) {
            JsonNode exp = splitter.get("/v1/experiments/" + experimentId);
            status = exp.path("status").asText("").toLowerCase(Locale.ROOT);
            int nowStage = exp.path("stage_index").asInt(exp.path("stage").asInt(-1));
            if (nowStage != stage) {
                stage = nowStage;
                console.say(Console.Tone.INFO, String.format(Locale.ROOT, "stage %d: candidate %s %% / champion %s %%",
                        stage, pct(stage), pct100(stage)));
            }
            // Once promoted the candidate is the experiment's control, so results read after that point would show the
            // comparison reversed; the last figures read while it ran stand.
            boolean finished = done.test(status) || status.equals("rolled_back") || status.equals("paused");
            JsonNode results = finished ? null : safeResults(experimentId);
            if (results != null) {
                lastResults = results;
            }
            JsonNode decisions = splitter.get("/v1/experiments/" + experimentId + "/decisions?limit=200").path("decisions");
            List<JsonNode> fresh = new java.util.ArrayList<>();
            decisions.forEach(d -> {
                if (seenDecisions.add(d.path("decision_id").asText())) {
                    fresh.add(d);
                }
            });
            fresh.sort(java.util.Comparator.comparingLong(d -> d.path("ts_ms").asLong()));
            for (JsonNode d : fresh) {
                String kind = d.path("kind").asText(d.path("decision").asText("")).toLowerCase(Locale.ROOT);
                String reason = d.path("reasons").path(0).asText("");
                if (kind.equals("hold")) {
                    holdReason = reason;
                    continue;
                }
                int from = d.path("stage_from").asInt(stage);
                // The 100 % stage has no control arm, so its comparison adds nothing: stages below it are recorded.
                if ((kind.equals("advance") || kind.equals("promote")) && lastResults != null && from < STAGES.size() - 1) {
                    recordStage(experimentId, from, lastResults);
                }
                report.decision(d.path("ts_ms").asLong(clock.millis()), experimentId, kind, reason);
                lastDecision = kind + ": " + reason;
                console.endProgress();
                console.say(kind.equals("rollback") || kind.equals("pause") ? Console.Tone.BAD : Console.Tone.OK,
                        "decision " + kind.toUpperCase(Locale.ROOT) + ": " + reason);
                for (int i = 1; i < d.path("reasons").size(); i++) {
                    console.line("    · " + d.path("reasons").path(i).asText());
                }
            }
            Map<String, SimulatedUsers.VariantTally> now = users.tallies();
            recordTraffic(experimentId, before, now);
            before = now;
            if (finished) {
                console.endProgress();
                return status;
            }
            console.progress(String.format(Locale.ROOT, "stage %d (%s %%) %s | %s", stage, pct(stage), lift(lastResults),
                    holdReason.isEmpty() ? "" : "hold: " + holdReason), stage + 1, STAGES.size());
            if (clock.millis() > deadline) {
                console.endProgress();
                return status;
            }
            Thread.sleep(1000);
        }
    }

    /** The latest non-hold decision seen by {@link #follow}, as "kind: reason" (for the demo's last words on a rollback). */
    String lastDecisionReason() {
        return lastDecision.isEmpty() ? "no decision recorded" : lastDecision;
    }

    private JsonNode safeResults(String experimentId) throws InterruptedException {
        try {
            return splitter.get("/v1/experiments/" + experimentId + "/results");
        } catch (DemoException e) {
            return null; // no data yet (the stats engine answers 503 until the first events land)
        }
    }

    private String lift(JsonNode results) {
        JsonNode c = comparison(results, "score:" + DemoEvaluators.EXACT);
        if (c == null) {
            return "exact_answer: waiting for scores";
        }
        JsonNode abs = c.path("absolute");
        return String.format(Locale.ROOT, "exact_answer %.3f vs %.3f, lift %+.3f CI [%.3f, %.3f] seq [%.3f, %.3f]",
                c.path("treatment_value").asDouble(Double.NaN), c.path("control_value").asDouble(Double.NaN),
                abs.path("value").asDouble(Double.NaN), abs.path("ci").path("lower").asDouble(Double.NaN),
                abs.path("ci").path("upper").asDouble(Double.NaN), abs.path("sequential").path("lower").asDouble(Double.NaN),
                abs.path("sequential").path("upper").asDouble(Double.NaN));
    }

    private static JsonNode comparison(JsonNode results, String metric) {
        if (results == null) {
            return null;
        }
        for (JsonNode c : results.path("comparisons")) {
            if (metric.equals(c.path("metric").asText())) {
                return c;
            }
        }
        return null;
    }

    private void recordStage(String experimentId, int stage, JsonNode results) {
        List<String> metrics = new java.util.ArrayList<>();
        metrics.add("score:" + DemoEvaluators.EXACT);
        metrics.addAll(GUARDRAILS);
        metrics.add("feedback:thumbs_up_rate");
        for (String m : metrics) {
            JsonNode c = comparison(results, m);
            if (c == null) {
                continue;
            }
            JsonNode abs = c.path("absolute");
            report.stage(new DemoReport.StageMetric(experimentId, stage, stage >= 0 && stage < STAGES.size() ? STAGES.get(stage) : 0, m,
                    m.equals("score:" + DemoEvaluators.EXACT), c.path("control_value").asDouble(Double.NaN),
                    c.path("treatment_value").asDouble(Double.NaN), abs.path("value").asDouble(Double.NaN),
                    abs.path("ci").path("lower").asDouble(Double.NaN), abs.path("ci").path("upper").asDouble(Double.NaN)));
        }
    }

    private void recordTraffic(String experimentId, Map<String, SimulatedUsers.VariantTally> before,
                               Map<String, SimulatedUsers.VariantTally> now) {
        Map<String, Long> delta = new LinkedHashMap<>();
        long total = 0;
        for (var e : now.entrySet()) {
            long prev = before.containsKey(e.getKey()) ? before.get(e.getKey()).requests() : 0;
            long d = e.getValue().requests() - prev;
            if (d > 0) {
                String series = e.getKey().startsWith(experimentId + "/") ? e.getKey().substring(experimentId.length() + 1) : "outside " + experimentId;
                delta.merge(series, d, Long::sum);
                total += d;
            }
        }
        if (total == 0) {
            return;
        }
        Map<String, Double> share = new LinkedHashMap<>();
        for (String s : List.of("champion", "candidate")) {
            share.put(experimentId + " " + s, 100.0 * delta.getOrDefault(s, 0L) / total);
        }
        report.traffic(clock.millis(), share);
    }

    private static String pct(int stage) {
        return stage >= 0 && stage < STAGES.size() ? trim(STAGES.get(stage)) : "?";
    }

    private static String pct100(int stage) {
        return stage >= 0 && stage < STAGES.size() ? trim(100 - STAGES.get(stage)) : "?";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

}
