package dev.flywheel.dashboards.seed;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@link FlywheelSeed} wrote, counted while writing, so tests can check the dashboards' numbers exactly.
 *
 * @param from               start of the seeded period (the dashboards' time range starts here)
 * @param to                 end of the seeded period
 * @param experimentId       the experiment that has data in every table
 * @param variants           its variant ids, control first
 * @param requests           distinct inference events per variant (replays not counted)
 * @param thumbs             distinct thumbs feedback events per variant
 * @param thumbsUp           of those, thumbs up (value 1)
 * @param replayedInferences inference events written twice (a replay the dashboards must count once)
 */
public record SeededFacts(
        Instant from,
        Instant to,
        String experimentId,
        List<String> variants,
        Map<String, Long> requests,
        Map<String, Long> thumbs,
        Map<String, Long> thumbsUp,
        long replayedInferences) {

    public SeededFacts {
        variants = List.copyOf(variants);
        requests = Map.copyOf(requests);
        thumbs = Map.copyOf(thumbs);
        thumbsUp = Map.copyOf(thumbsUp);
    }
}
