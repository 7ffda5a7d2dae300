package dev.flywheel.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.launcher.console.Console;
import dev.flywheel.launcher.report.DemoReport;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One time-compressed "nightly" retrain through retrain-scheduler's REST API: registers the policy
 * ({@code POST /retrain-policies}), starts a run ({@code POST /retrain-runs}), follows it to its end while drawing
 * the reward curve from ClickHouse's {@code training_metrics}, and records the gate's comparisons.
 */
final class RetrainDriver {
    /** A finished run: status, the adapter it produced and where the adapter store holds it. */
    record Outcome(String runId, String status, String adapterId, String adapterPath, String error, Map<String, String> details) {}

    private final ServiceCalls retrain;
    private final ClickHouseConnections clickhouse;
    private final ObjectMapper mapper;
    private final Console console;
    private final ReportRecorder report;
    private final DemoSettings settings;
    private final Clock clock;

    RetrainDriver(ServiceCalls retrain, ClickHouseConnections clickhouse, ObjectMapper mapper, Console console,
                  ReportRecorder report, DemoSettings settings, Clock clock) {
        this.retrain = retrain;
        this.clickhouse = clickhouse;
        this.mapper = mapper;
        this.console = console;
        this.report = report;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * @param championAdapter null for the base model, else the served adapter the candidate must beat (and starts from)
     * @param experimentIds   traffic of these experiments only (empty: all recent traffic)
     * @param variantIds      and of these variants only (empty: all)
     */
    Outcome run(String policyId, Path baseModelDir, String championAdapter, String championAdapterDir, URI engineUrl,
                java.util.List<String> experimentIds, java.util.List<String> variantIds, int steps, long seed) throws InterruptedException {
        ObjectNode p = mapper.createObjectNode();
        p.put("id", policyId);
        p.put("base_model", "arith-tiny");
        p.put("base_model_dir", baseModelDir.toString());
        if (championAdapter != null) {
            p.put("champion_adapter", championAdapter);
            p.put("champion_adapter_dir", championAdapterDir);
        }
        ObjectNode traffic = p.putObject("traffic");
        experimentIds.forEach(traffic.putArray("experiment_ids")::add);
        variantIds.forEach(traffic.putArray("variant_ids")::add);
        traffic.put("window_hours", 1);
        traffic.put("max_prompts", settings.maxPrompts());
        traffic.put("holdout_percent", settings.holdoutPercent());
        ObjectNode reward = p.putObject("reward");
        reward.putArray("evaluators").addObject().put("id", DemoEvaluators.EXACT).put("weight", 1.0);
        reward.put("feedback_weight", 0.0);
        ObjectNode trainer = p.putObject("trainer");
        trainer.put("kind", "grpo");
        ObjectNode s = trainer.putObject("settings");
        // The shape RftBench measured on the shipped model (rank 8, 32 prompts x 8 samples, lr 3e-3).
        s.put("steps", steps);
        s.put("rank", 8);
        s.put("alpha", 16);
        s.put("prompts_per_step", settings.promptsPerStep());
        s.put("group_size", 8);
        s.put("temperature", 1.0);
        s.put("learning_rate", 3e-3);
        s.put("epochs_per_batch", 1);
        s.put("checkpoint_every", 0);
        s.put("seed", seed);
        trainer.put("timeout_minutes", 30);
        ObjectNode gate = p.putObject("gate");
        gate.put("primary_evaluator", DemoEvaluators.EXACT);
        gate.putArray("guardrails").add(DemoEvaluators.FORMAT);
        gate.put("confidence", 0.95);
        gate.put("guardrail_margin", 0.05);
        gate.put("max_items", settings.gateItems());
        p.putObject("schedule").put("time_zone", "UTC");
        ObjectNode deploy = p.putObject("deploy");
        deploy.put("engine_url", engineUrl.toString());
        // No splitter_url: the demo launches the experiment itself with a short ramp plan (see DemoRun).
        deploy.put("primary_metric", "score:" + DemoEvaluators.EXACT);
        retrain.post("/retrain-policies", p);

        JsonNode started = retrain.post("/retrain-runs", mapper.createObjectNode().put("policy_id", policyId));
        String runId = started.path("run_id").asText(started.path("id").asText());
        console.say(Console.Tone.INFO, "retrain run " + runId + " started (policy " + policyId + ", "
                + (championAdapter == null ? "from the base model" : "from champion " + championAdapter) + ")");
        long t0 = clock.millis();
        int shownStep = 0;
        String lastStatus = "";
        Set<String> terminal = Set.of("deployed", "rejected", "failed");
        while (true) {
            JsonNode run = retrain.get("/retrain-runs/" + runId);
            String status = run.path("status").asText("").toLowerCase(Locale.ROOT);
            if (!status.equals(lastStatus)) {
                console.endProgress();
                console.say(Console.Tone.INFO, String.format(Locale.ROOT, "  [%5.1fs] run %s", (clock.millis() - t0) / 1000.0, status));
                lastStatus = status;
            }
            int step = rewardCurve(runId, shownStep);
            if (step > shownStep) {
                shownStep = step;
            }
            if (status.equals("training")) {
                console.progress(String.format(Locale.ROOT, "GRPO step %d/%d  reward %s", shownStep, steps,
                        lastReward(runId)), shownStep, steps);
            }
            if (terminal.contains(status)) {
                console.endProgress();
                rewardCurve(runId, shownStep);
                Map<String, String> details = details(run.path("details"));
                recordGate(runId, details);
                return new Outcome(runId, status, run.path("adapter_id").asText(""),
                        details.getOrDefault("adapter_path", run.path("adapter_dir").asText("")), run.path("error").asText(""), details);
            }
            Thread.sleep(1000);
        }
    }

    private String lastReward = "-";

    private String lastReward(String runId) {
        return lastReward;
    }

    /** Reads reward_mean rows after {@code afterStep} into the report; returns the last step seen. */
    private int rewardCurve(String runId, int afterStep) {
        int last = afterStep;
        try (Connection c = clickhouse.open(); PreparedStatement ps = c.prepareStatement(
                "SELECT step, any(value) FROM training_metrics WHERE run_id = ? AND metric = 'reward_mean' AND step > ? GROUP BY step ORDER BY step")) {
            ps.setString(1, runId);
            ps.setLong(2, afterStep);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int step = rs.getInt(1);
                    double v = rs.getDouble(2);
                    report.reward(runId, step, v);
                    last = Math.max(last, step);
                    lastReward = String.format(Locale.ROOT, "%.3f", v);
                }
            }
        } catch (SQLException e) {
            console.say(Console.Tone.WARN, "reward curve unavailable for now: " + e.getMessage());
        }
        return last;
    }

    private static Map<String, String> details(JsonNode n) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private void recordGate(String runId, Map<String, String> d) {
        boolean passed = Boolean.parseBoolean(d.getOrDefault("gate.passed", "false"));
        for (String ev : new String[] {DemoEvaluators.EXACT, DemoEvaluators.FORMAT}) {
            String p = "gate." + ev + ".";
            if (!d.containsKey(p + "champion_mean")) {
                continue;
            }
            report.gate(new DemoReport.GateResult(runId, ev, num(d, p + "champion_mean"), num(d, p + "candidate_mean"),
                    num(d, p + "ci_low"), num(d, p + "ci_high"), passed));
        }
    }

    private static double num(Map<String, String> d, String key) {
        try {
            return Double.parseDouble(d.getOrDefault(key, "NaN"));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
