package dev.flywheel.launcher.demo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How big and how long one demo is. {@link #full()} fits the 15-minute budget on a 2-core machine;
 * {@link #fast()} is the few-minute version. Durations are wall-clock: the "nightly" retrain becomes minutes.
 *
 * @param users            distinct simulated users (unit ids); more users means more treatment units at 1 %
 * @param concurrency      users in flight at once (each a virtual thread: request, read, maybe feedback, think)
 * @param nightConcurrency users still in flight while a "nightly" retrain runs (off-peak traffic; the trainer and the
 *                         engine share the machine's cores, so fewer users means more GRPO steps per second)
 * @param thinkTime        mean pause of a user between two requests (exponential)
 * @param warmup           traffic on the champion alone before the first retrain (the retrain's training data)
 * @param stageDuration    minimum duration of every ramp stage
 * @param stageMinSamples  minimum units per arm in a stage before the controller may advance
 * @param rampTick         how often the ramp controller decides
 * @param grpoSteps        GRPO optimizer steps of retrain #1 (from the base model; at 100 steps its gain of about 5 points
 *                         was sometimes too close to zero for the 100 % stage's promotion test)
 * @param secondGrpoSteps  GRPO optimizer steps of retrain #2 (from the champion: a stronger start gains less per step;
 *                         500 steps over the fast demo's few thousand prompts gained nothing the gate could see)
 * @param promptsPerStep   GRPO prompts per step (each sampled {@code groupSize} times)
 * @param gateItems        held-out prompts the offline gate compares champion and candidate on (more items, a
 *                         narrower interval: about ±1.96·0.4/√n for the paired difference of exact-match scores)
 * @param holdoutPercent   percent of a retrain dataset's distinct prompts kept out of training for the gate
 * @param maxPrompts       most distinct traffic prompts one retrain dataset takes
 * @param rampTimeout      a ramp that has not promoted by then ends the demo with an error
 * @param seed             seeds users, prompts, feedback noise and the trainer
 * @param outputDir        where the report and the run's files go
 */
public record DemoSettings(int users, int concurrency, int nightConcurrency, Duration thinkTime, Duration warmup,
                           Duration stageDuration, long stageMinSamples, Duration rampTick, int grpoSteps, int secondGrpoSteps,
                           int promptsPerStep, int gateItems, int holdoutPercent, int maxPrompts, Duration rampTimeout,
                           long seed, Path outputDir) {

    public DemoSettings {
        positive("users", users);
        positive("concurrency", concurrency);
        positive("nightConcurrency", nightConcurrency);
        if (nightConcurrency > concurrency) {
            throw new IllegalArgumentException("nightConcurrency must be <= concurrency (" + concurrency + "), got " + nightConcurrency);
        }
        positive("grpoSteps", grpoSteps);
        positive("secondGrpoSteps", secondGrpoSteps);
        positive("promptsPerStep", promptsPerStep);
        positive("gateItems", gateItems);
        positive("maxPrompts", maxPrompts);
        if (holdoutPercent < 1 || holdoutPercent > 50) {
            throw new IllegalArgumentException("holdoutPercent must be in [1, 50], got " + holdoutPercent);
        }
        if (stageMinSamples < 0) {
            throw new IllegalArgumentException("stageMinSamples must be >= 0, got " + stageMinSamples);
        }
        for (Duration d : new Duration[] {thinkTime, warmup, stageDuration, rampTick, rampTimeout}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("durations must be present and >= 0, got " + d);
            }
        }
        if (outputDir == null) {
            throw new IllegalArgumentException("outputDir is required");
        }
    }

    /** The default demo: about 10-15 minutes on two cores. */
    public static DemoSettings full() {
        return new DemoSettings(4000, 12, 2, Duration.ofMillis(20), Duration.ofSeconds(40), Duration.ofSeconds(20), 20,
                Duration.ofSeconds(2), 600, 2500, 32, 2000, 40, 6000, Duration.ofMinutes(6), 20260110L, Path.of(".flywheel/demo"));
    }

    /** {@code --fast}: a few minutes; fewer steps and shorter stages, same shape. */
    public static DemoSettings fast() {
        return new DemoSettings(3000, 10, 2, Duration.ofMillis(20), Duration.ofSeconds(20), Duration.ofSeconds(8), 8,
                Duration.ofSeconds(1), 300, 1500, 32, 1200, 40, 4000, Duration.ofMinutes(4), 20260110L, Path.of(".flywheel/demo"));
    }

    public DemoSettings withOutputDir(Path dir) {
        return new DemoSettings(users, concurrency, nightConcurrency, thinkTime, warmup, stageDuration, stageMinSamples, rampTick,
                grpoSteps, secondGrpoSteps, promptsPerStep, gateItems, holdoutPercent, maxPrompts, rampTimeout, seed, dir);
    }

    private static void positive(String field, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + v);
        }
    }
}
