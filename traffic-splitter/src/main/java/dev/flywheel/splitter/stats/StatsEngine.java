package dev.flywheel.splitter.stats;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.splitter.stats.internal.ClickHouseAggregates;
import java.time.Clock;

/** Computes an experiment's results from ClickHouse: reads the aggregates, then analyses them. */
public final class StatsEngine {
    private final ClickHouseAggregates aggregates;
    private final ExperimentAnalyzer analyzer;
    private final Clock clock;

    /**
     * How far before its previous refresh each refresh of the per-unit rollup looks again for rows committed late
     * (a row's {@code inserted_at} is taken when its INSERT starts, so a long INSERT commits rows older than "now").
     * Must exceed the longest INSERT into the event tables; ingest batches take well under a second.
     */
    public static final java.time.Duration LATE_COMMIT_OVERLAP = java.time.Duration.ofSeconds(60);

    /** Default limit on one ClickHouse query of the statistics. */
    public static final java.time.Duration DEFAULT_QUERY_TIMEOUT = java.time.Duration.ofMinutes(2);

    public StatsEngine(ClickHouseConnections connections, StatsConfig config, Clock clock) {
        this(connections, config, clock, DEFAULT_QUERY_TIMEOUT);
    }

    public StatsEngine(ClickHouseConnections connections, StatsConfig config, Clock clock, java.time.Duration queryTimeout) {
        this.aggregates = new ClickHouseAggregates(connections, queryTimeout);
        this.analyzer = new ExperimentAnalyzer(config);
        this.clock = clock;
    }

    /** @throws StatsUnavailableException when ClickHouse fails (retriable) */
    public ExperimentResults compute(AnalysisPlan plan) {
        return analyzer.analyze(plan, aggregates.read(plan), clock.millis());
    }

    /** The raw aggregates, for tests and diagnostics. */
    public ExperimentData read(AnalysisPlan plan) {
        return aggregates.read(plan);
    }

    public StatsConfig config() {
        return analyzer.config();
    }
}
