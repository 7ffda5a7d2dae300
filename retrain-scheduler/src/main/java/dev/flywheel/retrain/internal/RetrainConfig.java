package dev.flywheel.retrain.internal;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.nio.file.Path;

/**
 * {@code flywheel.retrain.*}, defaults here (not in application.yml, which the one-JVM launcher shares).
 *
 * @param workDir          runs' checkpoints and dataset snapshots
 * @param adapterDir       the adapter store (PEFT directories the engine loads; must be readable by the engine)
 * @param policiesFile     JSON file with {"policies": [...]} loaded at start (absent: policies come through the API)
 * @param tickSeconds      how often schedules are checked
 * @param serviceToken     admin token the scheduler presents to the engine and the splitter (never logged)
 * @param leaderElection   use Kafka partition ownership so one replica owns each base model (false: single replica)
 * @param seed             seeds run-id generation
 */
@ConfigurationProperties("flywheel.retrain")
@Requires(property = "flywheel.retrain.enabled", notEquals = "false")
public record RetrainConfig(
        @Bindable(defaultValue = "data/retrain") Path workDir,
        @Bindable(defaultValue = "data/adapters") Path adapterDir,
        @Nullable Path policiesFile,
        @Bindable(defaultValue = "30") int tickSeconds,
        @Nullable String serviceToken,
        @Bindable(defaultValue = "false") boolean leaderElection,
        @Bindable(defaultValue = "20260110") long seed) {

    public RetrainConfig {
        if (tickSeconds < 1 || tickSeconds > 3600) {
            throw new IllegalArgumentException("flywheel.retrain.tick-seconds must be in [1, 3600], got " + tickSeconds);
        }
        serviceToken = serviceToken == null ? "" : serviceToken;
    }

    @Override
    public String toString() {
        return "RetrainConfig[" + workDir + ", " + adapterDir + ", policies=" + policiesFile + ", tick=" + tickSeconds + "s]";
    }
}
