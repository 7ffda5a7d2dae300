-- Event tables. ReplacingMergeTree collapses rows with the same sorting key, and every sorting-key column is a
-- function of event_id, so a replayed event collapses into its first copy. Until a merge has run, duplicates can be
-- visible: queries that must be exact read with FINAL or aggregate per event_id (see README, "Exactly once").
-- Works on ClickHouse 18.16 and current versions (no DateTime64, no LowCardinality, no TTL).
CREATE TABLE IF NOT EXISTS ${db}.inference_events (
    event_id String,
    ts DateTime,
    ts_ms UInt64,
    experiment_id String,
    variant_id String,
    ramp_stage Int32,
    unit_id String,
    model String,
    adapter_id String,
    prompt String,
    completion String,
    finish_reason String,
    prompt_tokens UInt64,
    completion_tokens UInt64,
    ttft_ms Float64,
    latency_ms Float64,
    cost Float64,
    status String,
    error String,
    attributes String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (experiment_id, variant_id, event_id);

CREATE TABLE IF NOT EXISTS ${db}.feedback_events (
    event_id String,
    ts DateTime,
    ts_ms UInt64,
    request_id String,
    unit_id String,
    kind String,
    value Nullable(Float64),
    comment String,
    attributes String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (request_id, event_id);

CREATE TABLE IF NOT EXISTS ${db}.score_events (
    event_id String,
    ts DateTime,
    ts_ms UInt64,
    request_id String,
    experiment_id String,
    variant_id String,
    evaluator_id String,
    evaluator_version UInt32,
    score Float64,
    passed Nullable(UInt8),
    status String,
    detail String,
    latency_ms Float64,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (experiment_id, variant_id, evaluator_id, event_id);
