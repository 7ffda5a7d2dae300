package dev.flywheel.retrain.dataset;

import dev.flywheel.retrain.policy.TrafficFilter;

import java.sql.SQLException;

/** Produces a run's snapshot from the policy's traffic filter ({@link DatasetBuilder} reads ClickHouse). */
@FunctionalInterface
public interface DatasetSource {
    DatasetSnapshot build(TrafficFilter filter) throws SQLException;
}
