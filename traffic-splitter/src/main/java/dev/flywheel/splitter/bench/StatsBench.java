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
 * Args: [events] [runs]. Env: FLYWHEEL_CLICKHOUSE_URL (default http://127.0.0.1:18123).
 * Last line: {@code BENCH stats {"events":…,"seconds":…,…}} where seconds is the median of the timed runs.
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
        traffic.write(new TrafficSegment("bench", 0, "control", "candidate", 0.10, 0, first, 10, start, 3_600_000L,
                ArmProfile.BASELINE, treatment, 0, 0, 0.2, 0.1, 1));
        traffic.write(new TrafficSegment("bench", 1, "control", "candidate", 0.50, first, events - first, 10, start + 3_600_000L,
                3_600_000L, ArmProfile.BASELINE, treatment, 0, 0, 0.2, 0.1, 2));
        double generateSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "generated %d inference events (+ scores on 20%%, feedback on 10%%) in %.1f s%n", events, generateSeconds);

        List<Metric> metrics = new ArrayList<>(Arrays.asList(Metric.Builtin.values()));
        metrics.add(new Metric.Score("quality"));
        var plan = new AnalysisPlan("bench", Unit.USER, "control", List.of("candidate"), List.of(10.0, 50.0), metrics, 0);
        var engine = new StatsEngine(connections, StatsConfig.DEFAULT, Clock.systemUTC(), java.time.Duration.ofMinutes(10));
        double[] seconds = new double[runs];
        ExperimentResults last = null;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            last = engine.compute(plan);
            seconds[i] = (System.nanoTime() - t) / 1e9;
            System.out.printf(Locale.ROOT, "run %d: %.3f s%n", i + 1, seconds[i]);
        }
        double cold = seconds[0];
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = sorted[runs / 2];
        long units = last.arms().stream().mapToLong(a -> a.units()).sum();
        long requests = last.arms().stream().mapToLong(a -> a.requests()).sum();
        var score = last.comparison("score:quality", "candidate").orElseThrow();
        System.out.printf(Locale.ROOT, "units %d, requests %d, score lift %.4f (relative %.4f), SRM p %.3g%n", units, requests,
                score.absolute().value(), score.relative().value(), last.sampleRatio().pValue());
        System.out.printf(Locale.ROOT,
                "BENCH stats {\"events\":%d,\"seconds\":%.3f,\"first_run_seconds\":%.3f,\"min_seconds\":%.3f,\"runs\":%d,\"units\":%d,\"generate_seconds\":%.1f,\"goal_seconds\":2.0}%n",
                events, median, cold, sorted[0], runs, units, generateSeconds);
    }
}
