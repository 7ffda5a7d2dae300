package dev.flywheel.splitter.ramp;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code flywheel.splitter.ramp.*}: {@code enabled} (default true) runs the controller's ticks on this replica;
 * {@code tick-interval} (default 60s); {@code min-units-for-limit} (default 100);
 * {@code min-units-to-test} (default 100: the sequential test acts only once both arms have this many units); {@code leader-group} is the Kafka
 * consumer group whose partition ownership elects the leader of each experiment (default flywheel-ramp-controller);
 * {@code alpha} (0.05) and {@code sequential-tuning} (5000 units) configure the statistics;
 * {@code last-stage-max-wait} (24h) and {@code last-stage-without-win} (rollback, promote or hold; default rollback)
 * say how a last stage without a significant win ends (see {@link RampSettings}).
 */
@ConfigurationProperties("flywheel.splitter.ramp")
@Requires(property = "flywheel.splitter.enabled", notEquals = "false")
public record RampConfig(@Bindable(defaultValue = "true") boolean enabled,
                         @Bindable(defaultValue = "60s") Duration tickInterval,
                         @Bindable(defaultValue = "100") long minUnitsForLimit,
                         @Bindable(defaultValue = "100") long minUnitsToTest,
                         @Bindable(defaultValue = "flywheel-ramp-controller") String leaderGroup,
                         @Bindable(defaultValue = "0.05") double alpha,
                         @Bindable(defaultValue = "5000") double sequentialTuning,
                         @Bindable(defaultValue = "24h") Duration lastStageMaxWait,
                         @Bindable(defaultValue = "rollback") String lastStageWithoutWin) {
    public RampConfig {
        if (leaderGroup == null || leaderGroup.isBlank()) {
            throw new IllegalArgumentException("flywheel.splitter.ramp.leader-group must not be blank");
        }
        RampSettings.LastStageAction.parse(lastStageWithoutWin); // fails start-up, naming the property
    }

    public RampSettings settings() {
        return new RampSettings(tickInterval, minUnitsForLimit, minUnitsToTest, "ramp-controller", lastStageMaxWait,
                RampSettings.LastStageAction.parse(lastStageWithoutWin));
    }
}
