package dev.flywheel.splitter.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.flywheel.splitter.experiments.internal.DurationJson;
import dev.flywheel.splitter.experiments.internal.Fields;
import java.time.Duration;
import java.util.List;

/**
 * One step of a ramp: the treatment share of the experiment's traffic in percent (0 < p <= 100, split evenly among
 * treatments; stages strictly increasing), how long the stage must run at least, and how many samples each arm needs
 * at least before the controller may advance. On the wire {@code min_duration} is ISO-8601 ("PT1H").
 */
public record RampStage(
        double percent,
        @JsonSerialize(using = DurationJson.Writer.class) @JsonDeserialize(using = DurationJson.Reader.class) Duration minDuration,
        long minSamples) {

    public RampStage {
        Fields.percent("percent", percent, false, true);
        Fields.present("min_duration", minDuration);
        if (minDuration.isNegative()) {
            throw new InvalidExperimentException("min_duration", "must be >= 0, got " + minDuration);
        }
        if (minSamples < 0) {
            throw new InvalidExperimentException("min_samples", "must be >= 0, got " + minSamples);
        }
    }

    /** JSON creator: {@code min_samples} may be absent (0). */
    @JsonCreator
    static RampStage fromJson(@JsonProperty("percent") Double percent,
                              @JsonProperty("min_duration") @JsonDeserialize(using = DurationJson.Reader.class) Duration minDuration,
                              @JsonProperty("min_samples") Long minSamples) {
        if (percent == null) {
            throw new InvalidExperimentException("percent", "is required");
        }
        return new RampStage(percent, minDuration, minSamples == null ? 0 : minSamples);
    }

    /** The default plan: 1, 5, 10, 25, 50, 100 % with the given minimum duration and samples per arm. */
    public static List<RampStage> defaultPlan(Duration minDuration, long minSamples) {
        return List.of(1.0, 5.0, 10.0, 25.0, 50.0, 100.0).stream()
                .map(p -> new RampStage(p, minDuration, minSamples)).toList();
    }
}
