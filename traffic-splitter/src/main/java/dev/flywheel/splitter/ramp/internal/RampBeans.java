package dev.flywheel.splitter.ramp.internal;

import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.topics.Topics;
import dev.flywheel.contracts.config.SharedSettings;
import dev.flywheel.contracts.leadership.PartitionLeadership;
import dev.flywheel.splitter.experiments.ExperimentService;
import dev.flywheel.splitter.ramp.DecisionLog;
import dev.flywheel.splitter.ramp.ExperimentLeadership;
import dev.flywheel.splitter.ramp.RampConfig;
import dev.flywheel.splitter.ramp.RampController;
import dev.flywheel.splitter.stats.StatsConfig;
import dev.flywheel.splitter.stats.StatsEngine;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Wires the statistics engine, the decision log, leadership and the ramp controller into the splitter's context. */
@Factory
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public class RampBeans {

    @Singleton
    StatsEngine statsEngine(SharedSettings.ClickHouse clickhouse, RampConfig config, Clock clock) {
        return new StatsEngine(new ClickHouseConnections(clickhouse.toConfig()),
                new StatsConfig(config.alpha(), config.sequentialTuning(), StatsConfig.DEFAULT.srmThreshold()), clock);
    }

    @Singleton
    DecisionLog decisionLog(SharedSettings.ClickHouse clickhouse) {
        return new DecisionLog(new ClickHouseConnections(clickhouse.toConfig()));
    }

    @Singleton
    @Bean(preDestroy = "close")
    PartitionLeadership leadership(SharedSettings.Kafka kafka, Topics topics, RampConfig config) {
        return new PartitionLeadership(kafka.bootstrapServers(), topics.experiments().name(), config.leaderGroup(), "ramp controller");
    }

    @Singleton
    RampController rampController(ExperimentService experiments, StatsEngine stats, DecisionLog log, PartitionLeadership leadership,
                                  RampConfig config, Clock clock) {
        ExperimentLeadership lead = leadership::leads;
        return new RampController(experiments, stats, log, lead, config.settings(), clock);
    }

    @Context
    @Bean(preDestroy = "close")
    RampScheduler rampScheduler(RampController controller, RampConfig config) {
        return new RampScheduler(controller, config);
    }
}
