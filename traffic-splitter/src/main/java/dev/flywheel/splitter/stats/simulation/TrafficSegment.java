package dev.flywheel.splitter.stats.simulation;

/**
 * One block of simulated traffic of one experiment in one ramp stage: {@code requests} requests numbered from
 * {@code firstRequest}, {@code requestsPerUnit} consecutive requests per unit, a unit in treatment with probability
 * {@code treatmentShare}, timestamps spread evenly over [startMs, startMs + durationMs).
 *
 * @param dropTreatmentFraction share of treatment units whose events are lost (to inject a sample-ratio mismatch)
 * @param duplicateFraction     share of inference events written twice (replays; results must not change)
 * @param scoredFraction        share of requests with an evaluator score (online evaluation samples traffic)
 * @param feedbackFraction      share of requests with a feedback event (half thumbs, half conversion)
 * @param seed                  drives every pseudo-random draw (hash-based, so the same seed gives the same events)
 */
public record TrafficSegment(String experimentId, int stage, String controlVariantId, String treatmentVariantId,
                             double treatmentShare, long firstRequest, long requests, int requestsPerUnit, long startMs,
                             long durationMs, ArmProfile control, ArmProfile treatment, double dropTreatmentFraction,
                             double duplicateFraction, double scoredFraction, double feedbackFraction, long seed) {
    public TrafficSegment {
        if (!(treatmentShare >= 0 && treatmentShare <= 1)) {
            throw new IllegalArgumentException("treatment_share must be within 0..1, got " + treatmentShare);
        }
        if (requests < 0 || firstRequest < 0 || requestsPerUnit < 1 || durationMs < 1 || startMs < 0) {
            throw new IllegalArgumentException("requests, first_request and start_ms must be >= 0, requests_per_unit and duration_ms >= 1");
        }
        if (!(dropTreatmentFraction >= 0 && dropTreatmentFraction < 1) || !(duplicateFraction >= 0 && duplicateFraction <= 1)) {
            throw new IllegalArgumentException("drop_treatment_fraction must be within [0, 1) and duplicate_fraction within [0, 1]");
        }
        if (!(scoredFraction >= 0 && scoredFraction <= 1) || !(feedbackFraction >= 0 && feedbackFraction <= 1)) {
            throw new IllegalArgumentException("scored_fraction and feedback_fraction must be within [0, 1]");
        }
    }
}
