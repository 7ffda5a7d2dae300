-- Statistics rollup, part 2: one row per (experiment, variant, ramp stage, analysis unit) holding that unit's exact
-- totals, recomputed from the deduplicated events whenever any of its events, feedback or scores arrive (see
-- traffic-splitter dev.flywheel.splitter.stats.internal.UnitRollup). A row is a recomputation, never an increment,
-- so replays and repeated or concurrent refreshes cannot double count; the highest version (refresh time, epoch s)
-- wins. Per-request second moments (*_sq, *_x_*) serve experiments whose unit is the request.
-- latencies: one entry per request (ms); score_evaluators/scores: one entry per scored request and evaluator
-- (latest evaluator version).
CREATE TABLE IF NOT EXISTS ${db}.stats_unit_rollup (
    experiment_id String,
    variant_id String,
    ramp_stage Int32,
    unit_id String,
    requests UInt64,
    errors UInt64,
    fallbacks UInt64,
    tokens Float64,
    tokens_sq Float64,
    cost Float64,
    cost_sq Float64,
    latencies Array(Float64),
    thumbs_up Float64,
    thumbs Float64,
    thumbs_up_sq Float64,
    thumbs_sq Float64,
    thumbs_up_x_thumbs Float64,
    rating_sum Float64,
    ratings Float64,
    rating_sum_sq Float64,
    ratings_sq Float64,
    rating_sum_x_ratings Float64,
    conversions Float64,
    conversions_sq Float64,
    score_evaluators Array(String),
    scores Array(Float64),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (experiment_id, variant_id, ramp_stage, unit_id);

-- Refresh watermarks: server time (inserted_at clock) at the start of each completed refresh of an experiment.
CREATE TABLE IF NOT EXISTS ${db}.stats_rollup_progress (
    experiment_id String,
    refreshed_to DateTime
) ENGINE = ReplacingMergeTree(refreshed_to)
ORDER BY experiment_id;
