package dev.flywheel.splitter.bench;

import dev.flywheel.contracts.clickhouse.ClickHouseConfig;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.clickhouse.Migrator;
import dev.flywheel.splitter.experiments.Unit;
import dev.flywheel.splitter.stats.AnalysisPlan;
import dev.flywheel.splitter.stats.ExperimentResults;
import dev.flywheel.splitter.stats.Metric;
import dev.flywheel.splitter.stats.StatsConfig;
import dev.flywheel.splitter.stats.StatsEngine;
import dev.flywheel.splitter.stats.simulation.ArmProfile;
import dev.flywheel.splitter.stats.simulation.SyntheticTraffic;
import dev.flywheel.splitter.stats.simulation.TrafficSegment;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./run bench stats}: generates N inference events (default 10 million; two ramp stages at 10 % and 50 %, 10
 * requests per user, a +5 % score effect) with 20 % of requests scored and 10 % with feedback, server-side in
 * ClickHouse, into its own database {@code flywheel_bench_stats} (dropped first), then times computing all results
 * (every built-in metric and the score, user-level delta method, stage-stratified) for the experiment.
 * Three figures: {@code cold_build_seconds}, the first computation, which builds the per-unit rollup from every
 * event; {@code seconds}, the median of the timed steady-state computations (each one refreshes the rollup, then reads
 * all results from it); {@code tick_seconds}, one computation right after a tick's worth of live traffic (events/1000
 * new requests with scores and feedback, plus replays of 0.1 % of the stage's old events) was inserted.
 * Args: [events] [runs]. Env: FLYWHEEL_CLICKHOUSE_URL (default http://127.0.0.1:18123).
 * Last line: {@code BENCH stats {"events":…,"seconds":…,…}}.
 */
public final class StatsBench {
    private StatsBench() {}

    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String url = System.getenv().getOrDefault("FLYWHEEL_CLICKHOUSE_URL", "http://127.0.0.1:18123");
        var connections = new ClickHouseConnections(new ClickHouseConfig(URI.create(url), "flywheel_bench_stats", "default", ""));
        try (Connection c = connections.openServer(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS flywheel_bench_stats");
        }
        new Migrator(connections).migrate();

        long t0 = System.nanoTime();
        var traffic = new SyntheticTraffic(connections);
        long first = events * 3 / 10;
        long start = 1_750_000_000_000L;
        ArmProfile treatment = ArmProfile.BASELINE.withScoreMean(0.63);
        // In chunks of at most 1 M requests (whole users, same seeds per stage), so that no INSERT outlives the
        // client's socket timeout on a loaded machine.
        long chunk = 1_000_000L;
        for (long from = 0; from < events; from += chunk) {
            long to = Math.min(events, from + chunk);
            for (int stage = 0; stage < 2; stage++) {
                long lo = Math.max(from, stage == 0 ? 0 : first);
                long hi = Math.min(to, stage == 0 ? first : events);
                if (lo < hi) {
                    traffic.write(new TrafficSegment("bench", stage, "control", "candidate", stage == 0 ? 0.10 : 0.50, lo, hi - lo, 10,
                            start + stage * 3_600_000L + lo, hi - lo, ArmProfile.BASELINE, treatment, 0, 0, 0.2, 0.1, stage + 1));
                }
            }
        }
        double generateSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "generated %d inference events (+ scores on 20%%, feedback on 10%%) in %.1f s%n", events, generateSeconds);

        List<Metric> metrics = new ArrayList<>(Arrays.asList(Metric.Builtin.values()));
        metrics.add(new Metric.Score("quality"));
        var plan = new AnalysisPlan("bench", Unit.USER, "control", List.of("candidate"), List.of(10.0, 50.0), metrics, 0);
        var engine = new StatsEngine(connections, StatsConfig.DEFAULT, Clock.systemUTC(), java.time.Duration.ofMinutes(10));
        // The first computation builds the per-unit rollup from every event (what a restart-free deployment pays once
        // per experiment, spread over its ticks; here all at once after a bulk load).
        // Rows inserted in the second a refresh starts are rescanned by the next one (inserted_at has 1 s resolution);
        // start the first refresh in a later second than the bulk load, as it would be in steady state.
        Thread.sleep(1_100);
        long tc = System.nanoTime();
        engine.compute(plan);
        double coldSeconds = (System.nanoTime() - tc) / 1e9;
        System.out.printf(Locale.ROOT, "cold rollup build + results: %.3f s%n", coldSeconds);
        // Steady state: each refresh counts the distinct events inserted within the late-commit overlap (O(rows in
        // the last minute)), which right after a bulk load is everything; wait until the load is older than that.
        long wait = StatsEngine.LATE_COMMIT_OVERLAP.toMillis() - (System.nanoTime() - tc) / 1_000_000 + 1_000;
        if (wait > 0) {
            System.out.printf(Locale.ROOT, "waiting %.0f s for the bulk load to leave the late-commit overlap%n", wait / 1e3);
            Thread.sleep(wait);
        }
        double[] seconds = new double[runs];
        ExperimentResults last = null;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            last = engine.compute(plan);
            seconds[i] = (System.nanoTime() - t) / 1e9;
            System.out.printf(Locale.ROOT, "run %d: %.3f s%n", i + 1, seconds[i]);
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = sorted[runs / 2];
        // One tick of live traffic: new requests (with their scores and feedback) plus replays of old events.
        long tickEvents = Math.max(1, events / 1000);
        traffic.write(new TrafficSegment("bench", 1, "control", "candidate", 0.50, events, tickEvents, 10, start + 7_200_000L,
                60_000L, ArmProfile.BASELINE, treatment, 0, 0.001, 0.2, 0.1, 3));
        long tt = System.nanoTime();
        ExperimentResults ticked = engine.compute(plan);
        double tickSeconds = (System.nanoTime() - tt) / 1e9;
        long tickRequests = ticked.arms().stream().mapToLong(a -> a.requests()).sum();
        System.out.printf(Locale.ROOT, "tick with %d new events + replays: %.3f s, requests now %d%n", tickEvents, tickSeconds, tickRequests);
        long units = last.arms().stream().mapToLong(a -> a.units()).sum();
        long requests = last.arms().stream().mapToLong(a -> a.requests()).sum();
        var score = last.comparison("score:quality", "candidate").orElseThrow();
        System.out.printf(Locale.ROOT, "units %d, requests %d, score lift %.4f (relative %.4f), SRM p %.3g%n", units, requests,
                score.absolute().value(), score.relative().value(), last.sampleRatio().pValue());
        System.out.printf(Locale.ROOT,
                "BENCH stats {\"events\":%d,\"seconds\":%.3f,\"min_seconds\":%.3f,\"runs\":%d,\"tick_seconds\":%.3f,\"tick_new_events\":%d,\"cold_build_seconds\":%.3f,\"units\":%d,\"requests\":%d,\"generate_seconds\":%.1f,\"goal_seconds\":2.0}%n",
                events, median, sorted[0], runs, tickSeconds, tickEvents, coldSeconds, units, requests, generateSeconds);
    }
}
