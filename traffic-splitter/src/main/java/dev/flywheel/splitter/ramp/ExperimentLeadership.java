package dev.flywheel.splitter.ramp;

/**
 * Whether this replica is the one that acts for an experiment. With several replicas exactly one leads each
 * experiment (see {@link dev.flywheel.contracts.leadership.PartitionLeadership}); a single replica leads all.
 */
@FunctionalInterface
public interface ExperimentLeadership {
    boolean leads(String experimentId);

    /** A single replica: leads every experiment. */
    static ExperimentLeadership all() {
        return id -> true;
    }
}
