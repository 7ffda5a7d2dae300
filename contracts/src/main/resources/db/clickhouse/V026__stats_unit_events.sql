-- Statistics rollup, part 1: the inference events' numeric columns re-sorted by analysis unit, so that the stats
-- engine can re-read every event of a few users (PK range reads) instead of scanning the experiment. Filled by a
-- materialized view on every insert into inference_events, and back-filled once from what is already there (rows
-- inserted while this migration runs land twice; ReplacingMergeTree and the readers' GROUP BY event_id collapse them,
-- exactly as they collapse replays). Runs on ClickHouse 18.16 and current versions.
CREATE TABLE IF NOT EXISTS ${db}.stats_unit_events (
    experiment_id String,
    unit_id String,
    event_id String,
    variant_id String,
    ramp_stage Int32,
    status String,
    tokens UInt64,
    cost Float64,
    latency_ms Float64
) ENGINE = ReplacingMergeTree()
ORDER BY (experiment_id, unit_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.stats_unit_events_mv TO ${db}.stats_unit_events AS
SELECT experiment_id, unit_id, event_id, variant_id, ramp_stage, status, prompt_tokens + completion_tokens AS tokens,
       cost, latency_ms
FROM ${db}.inference_events;

INSERT INTO ${db}.stats_unit_events (experiment_id, unit_id, event_id, variant_id, ramp_stage, status, tokens, cost, latency_ms)
SELECT experiment_id, unit_id, event_id, variant_id, ramp_stage, status, prompt_tokens + completion_tokens, cost, latency_ms
FROM ${db}.inference_events;
