package dev.flywheel.dashboards.seed;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Writes one deterministic, six-hour story into every Flywheel table, so that every dashboard panel has rows:
 * a retrain run deploys adapter {@code rft-1}; experiment {@code exp-rft-1} (control {@code champion}, treatment
 * {@code rft-1}) ramps 1 → 5 → 10 → 25 → 50 → 100 % and is promoted; a second retrain run is rejected by its gate;
 * a second experiment is drafted. Traffic ({@link TrafficSeed}) follows the ramp. The same seed always writes the
 * same rows; {@code inserted_at} is set explicitly (event time plus a few seconds of simulated ingest lag) so the
 * pipeline panels see the seeded period too.
 */
public final class FlywheelSeed {
    /** Treatment share of each ramp stage, in percent (the default ramp plan). */
    static final double[] PLAN = {1, 5, 10, 25, 50, 100};
    static final String EXPERIMENT = "exp-rft-1";
    static final String CONTROL = "champion";
    static final String TREATMENT = "rft-1";

    private final ClickHouseConnections connections;
    private final RandomGenerator random;
    private final Instant start;

    /**
     * @param random seeded; every value written is drawn from it
     * @param start  beginning of the seeded period (whole seconds)
     */
    public FlywheelSeed(ClickHouseConnections connections, RandomGenerator random, Instant start) {
        this.connections = connections;
        this.random = random;
        this.start = start;
    }

    /** When stage {@code i} began: 10 minutes after the start and then every 50 minutes. */
    Instant stageStart(int i) {
        return start.plus(Duration.ofMinutes(10 + 50L * i));
    }

    /** The promotion, 70 minutes into the last stage; traffic stops there. */
    Instant promotedAt() {
        return stageStart(PLAN.length - 1).plus(Duration.ofMinutes(70));
    }

    public SeededFacts write() {
        writeExperiments();
        writeDecisions();
        writeTraining();
        writeModels();
        return new TrafficSeed(connections, random, this).write(start, start.plus(Duration.ofHours(6)));
    }

    private void writeExperiments() {
        TableRows rows = new TableRows("experiment_history", List.of("id", "version", "ts", "ts_ms", "status", "record", "inserted_at"));
        addExperiment(rows, EXPERIMENT, 1, start, "draft", -1);
        for (int i = 0; i < PLAN.length; i++) {
            addExperiment(rows, EXPERIMENT, 2 + i, stageStart(i), "running", i);
        }
        addExperiment(rows, EXPERIMENT, 2 + PLAN.length, promotedAt(), "promoted", PLAN.length - 1);
        addExperiment(rows, "exp-rft-2", 1, promotedAt().plus(Duration.ofMinutes(20)), "draft", -1);
        rows.insertInto(connections);
    }

    private void addExperiment(TableRows rows, String id, long version, Instant ts, String status, int stage) {
        // The record as the splitter writes it (snake_case, primary_metric before guardrails).
        String record = String.format(Locale.ROOT, "{\"id\":\"%s\",\"owner\":\"ml-team\",\"variants\":[{\"id\":\"%s\",\"model\":\"base\"},"
                        + "{\"id\":\"%s\",\"model\":\"%s\"}],\"control_variant_id\":\"%s\",\"primary_metric\":{\"metric\":\"score:exact_match\","
                        + "\"direction\":\"higher_is_better\"},\"guardrails\":[{\"metric\":\"latency_p95\",\"direction\":\"lower_is_better\"}],"
                        + "\"status\":\"%s\",\"stage_index\":%d,\"version\":%d,\"updated_at\":%d}",
                id, CONTROL, TREATMENT, TREATMENT, CONTROL, status, stage, version, ts.toEpochMilli());
        rows.add(id, version, ts, ts.toEpochMilli(), status, record, lagged(ts));
    }

    private void writeDecisions() {
        TableRows rows = new TableRows("ramp_decisions", List.of("decision_id", "ts", "ts_ms", "experiment_id", "decision",
                "stage_from", "stage_to", "traffic_percent", "manual", "actor", "reasons", "numbers", "inserted_at"));
        int n = 0;
        for (int i = 0; i < PLAN.length; i++) {
            Instant at = stageStart(i);
            rows.add("dec-" + n++, at, at.toEpochMilli(), EXPERIMENT, "advance", i - 1, i, PLAN[i], 0, "ramp-controller",
                    i == 0 ? "experiment started" : "minimum duration and samples met; primary metric not worse",
                    numbers(0.12 + 0.01 * i), lagged(at));
            Instant hold = at.plus(Duration.ofMinutes(25));
            rows.add("dec-" + n++, hold, hold.toEpochMilli(), EXPERIMENT, "hold", i, i, PLAN[i], 0, "ramp-controller",
                    "minimum duration not met", numbers(0.1), lagged(hold));
        }
        Instant promoted = promotedAt();
        rows.add("dec-" + n, promoted, promoted.toEpochMilli(), EXPERIMENT, "promote", PLAN.length - 1, PLAN.length - 1, 100.0,
                0, "ramp-controller", "significant win on score:exact_match at 100 %", numbers(0.2), lagged(promoted));
        rows.insertInto(connections);
    }

    private static String numbers(double lift) {
        return String.format(Locale.ROOT, "{\"metric\":\"score:exact_match\",\"lift\":%.3f,\"ci_low\":%.3f,\"ci_high\":%.3f,\"srm_p\":0.42}",
                lift, lift - 0.08, lift + 0.08);
    }

    private void writeTraining() {
        TableRows runs = new TableRows("training_runs", List.of("run_id", "version", "ts", "ts_ms", "policy_id", "base_model",
                "parent_adapter", "status", "record", "inserted_at"));
        TableRows metrics = new TableRows("training_metrics", List.of("run_id", "step", "metric", "value", "ts", "ts_ms"));
        addRun(runs, metrics, "run-1", start.plus(Duration.ofMinutes(1)), "", true);
        addRun(runs, metrics, "run-2", promotedAt().plus(Duration.ofMinutes(5)), TREATMENT, false);
        runs.insertInto(connections);
        metrics.insertInto(connections);
    }

    /** A run's state changes (queued, training, gating, then deployed or rejected) and 40 steps of metrics. */
    private void addRun(TableRows runs, TableRows metrics, String runId, Instant begin, String parent, boolean passes) {
        String[] states = {"queued", "training", "gating", passes ? "deployed" : "rejected"};
        for (int v = 0; v < states.length; v++) {
            Instant at = begin.plus(Duration.ofMinutes(2L * v));
            String gate = v < 3 ? "" : String.format(Locale.ROOT,
                    ",\"gate_passed\":%b,\"candidate_score\":%.3f,\"champion_score\":%.3f,\"gate_reason\":\"%s\"",
                    passes, passes ? 0.74 : 0.51, 0.55, passes ? "better on exact_match, guardrails hold" : "not better on exact_match");
            String adapter = passes && v == 3 ? ",\"adapter_id\":\"" + TREATMENT + "\"" : "";
            String record = "{\"run_id\":\"" + runId + "\",\"status\":\"" + states[v] + "\"" + gate + adapter + "}";
            runs.add(runId, (long) v + 1, at, at.toEpochMilli(), "nightly-arith", "base", parent, states[v], record, lagged(at));
        }
        for (int step = 0; step < 40; step++) {
            Instant at = begin.plus(Duration.ofMinutes(2)).plusSeconds(5L * step);
            double progress = step / 39.0;
            double reward = (passes ? 0.3 + 0.45 * progress : 0.5 - 0.1 * progress) + 0.03 * (random.nextDouble() - 0.5);
            metrics.add(runId, step, "reward_mean", reward, at, at.toEpochMilli());
            metrics.add(runId, step, "loss", 1.2 - 0.8 * progress + 0.05 * random.nextDouble(), at, at.toEpochMilli());
            metrics.add(runId, step, "kl", 0.02 * progress + 0.002 * random.nextDouble(), at, at.toEpochMilli());
        }
    }

    private void writeModels() {
        TableRows rows = new TableRows("model_history", List.of("id", "version", "ts", "ts_ms", "status", "record", "inserted_at"));
        Instant registered = start.plus(Duration.ofMinutes(9));
        rows.add("base", 1L, start, start.toEpochMilli(), "serving", "{\"id\":\"base\",\"kind\":\"base\",\"version\":1}", lagged(start));
        rows.add(TREATMENT, 1L, registered, registered.toEpochMilli(), "registered",
                "{\"id\":\"rft-1\",\"kind\":\"adapter\",\"parent_adapter\":\"\",\"run_id\":\"run-1\",\"version\":1}", lagged(registered));
        Instant serving = stageStart(0);
        rows.add(TREATMENT, 2L, serving, serving.toEpochMilli(), "serving",
                "{\"id\":\"rft-1\",\"kind\":\"adapter\",\"parent_adapter\":\"\",\"run_id\":\"run-1\",\"version\":2}", lagged(serving));
        rows.insertInto(connections);
    }

    /** Event time plus 1-4 s of simulated Kafka-to-ClickHouse lag. */
    Instant lagged(Instant ts) {
        return ts.plusSeconds(1 + random.nextInt(4));
    }
}
