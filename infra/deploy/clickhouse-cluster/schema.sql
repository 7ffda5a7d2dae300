-- Flywheel's schema for a ClickHouse cluster: every table of V001/V002 as a ReplicatedReplacingMergeTree
-- "<name>_local" on each shard, plus a Distributed table under the original name, so the services, the dashboards
-- and every query keep reading and writing flywheel.<name>. NOT applied by the Migrator: an operator runs it once,
-- before the services start (see README.md beside this file). Replace flywheel_cluster with your cluster's name
-- (remote_servers) if it differs; {shard} and {replica} are the server's macros.
-- Mirrors every migration in contracts/src/main/resources/db/clickhouse/ (V001, V002, V026–V028, V030): columns, sorting keys,
-- version columns and partitions are identical, only the engines differ. A new migration needs its twin here
-- (dashboards' ClusterSchemaTest fails until it has one).

CREATE DATABASE IF NOT EXISTS flywheel ON CLUSTER flywheel_cluster;

CREATE TABLE IF NOT EXISTS flywheel.inference_events_local ON CLUSTER flywheel_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/inference_events', '{replica}')
PARTITION BY toYYYYMM(ts)
ORDER BY (experiment_id, variant_id, event_id);

CREATE TABLE IF NOT EXISTS flywheel.inference_events ON CLUSTER flywheel_cluster AS flywheel.inference_events_local
ENGINE = Distributed(flywheel_cluster, flywheel, inference_events_local, cityHash64(event_id));

CREATE TABLE IF NOT EXISTS flywheel.feedback_events_local ON CLUSTER flywheel_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/feedback_events', '{replica}')
PARTITION BY toYYYYMM(ts)
ORDER BY (request_id, event_id);

CREATE TABLE IF NOT EXISTS flywheel.feedback_events ON CLUSTER flywheel_cluster AS flywheel.feedback_events_local
ENGINE = Distributed(flywheel_cluster, flywheel, feedback_events_local, cityHash64(request_id));

CREATE TABLE IF NOT EXISTS flywheel.score_events_local ON CLUSTER flywheel_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/score_events', '{replica}')
PARTITION BY toYYYYMM(ts)
ORDER BY (experiment_id, variant_id, evaluator_id, event_id);

CREATE TABLE IF NOT EXISTS flywheel.score_events ON CLUSTER flywheel_cluster AS flywheel.score_events_local
ENGINE = Distributed(flywheel_cluster, flywheel, score_events_local, cityHash64(request_id));

CREATE TABLE IF NOT EXISTS flywheel.experiment_history_local ON CLUSTER flywheel_cluster (
    id String,
    version UInt64,
    ts DateTime,
    ts_ms UInt64,
    status String,
    record String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/experiment_history', '{replica}')
ORDER BY (id, version);

CREATE TABLE IF NOT EXISTS flywheel.experiment_history ON CLUSTER flywheel_cluster AS flywheel.experiment_history_local
ENGINE = Distributed(flywheel_cluster, flywheel, experiment_history_local, cityHash64(id));

CREATE TABLE IF NOT EXISTS flywheel.model_history_local ON CLUSTER flywheel_cluster (
    id String,
    version UInt64,
    ts DateTime,
    ts_ms UInt64,
    status String,
    record String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/model_history', '{replica}')
ORDER BY (id, version);

CREATE TABLE IF NOT EXISTS flywheel.model_history ON CLUSTER flywheel_cluster AS flywheel.model_history_local
ENGINE = Distributed(flywheel_cluster, flywheel, model_history_local, cityHash64(id));

CREATE TABLE IF NOT EXISTS flywheel.ramp_decisions_local ON CLUSTER flywheel_cluster (
    decision_id String,
    ts DateTime,
    ts_ms UInt64,
    experiment_id String,
    decision String,
    stage_from Int32,
    stage_to Int32,
    traffic_percent Float64,
    manual UInt8,
    actor String,
    reasons String,
    numbers String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/ramp_decisions', '{replica}')
ORDER BY (experiment_id, ts_ms, decision_id);

CREATE TABLE IF NOT EXISTS flywheel.ramp_decisions ON CLUSTER flywheel_cluster AS flywheel.ramp_decisions_local
ENGINE = Distributed(flywheel_cluster, flywheel, ramp_decisions_local, cityHash64(experiment_id));

CREATE TABLE IF NOT EXISTS flywheel.training_runs_local ON CLUSTER flywheel_cluster (
    run_id String,
    version UInt64,
    ts DateTime,
    ts_ms UInt64,
    policy_id String,
    base_model String,
    parent_adapter String,
    status String,
    record String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/training_runs', '{replica}')
ORDER BY (run_id, version);

CREATE TABLE IF NOT EXISTS flywheel.training_runs ON CLUSTER flywheel_cluster AS flywheel.training_runs_local
ENGINE = Distributed(flywheel_cluster, flywheel, training_runs_local, cityHash64(run_id));

CREATE TABLE IF NOT EXISTS flywheel.training_metrics_local ON CLUSTER flywheel_cluster (
    run_id String,
    step UInt32,
    metric String,
    value Float64,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/training_metrics', '{replica}')
ORDER BY (run_id, metric, step);

CREATE TABLE IF NOT EXISTS flywheel.training_metrics ON CLUSTER flywheel_cluster AS flywheel.training_metrics_local
ENGINE = Distributed(flywheel_cluster, flywheel, training_metrics_local, cityHash64(run_id));

CREATE TABLE IF NOT EXISTS flywheel.eval_datasets_local ON CLUSTER flywheel_cluster (
    dataset_id String,
    ts DateTime,
    ts_ms UInt64,
    item_count UInt32,
    checksum String,
    description String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/eval_datasets', '{replica}')
ORDER BY dataset_id;

CREATE TABLE IF NOT EXISTS flywheel.eval_datasets ON CLUSTER flywheel_cluster AS flywheel.eval_datasets_local
ENGINE = Distributed(flywheel_cluster, flywheel, eval_datasets_local, cityHash64(dataset_id));

CREATE TABLE IF NOT EXISTS flywheel.eval_dataset_items_local ON CLUSTER flywheel_cluster (
    dataset_id String,
    item_index UInt32,
    messages String,
    reference Nullable(String),
    attributes String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/eval_dataset_items', '{replica}')
ORDER BY (dataset_id, item_index);

CREATE TABLE IF NOT EXISTS flywheel.eval_dataset_items ON CLUSTER flywheel_cluster AS flywheel.eval_dataset_items_local
ENGINE = Distributed(flywheel_cluster, flywheel, eval_dataset_items_local, cityHash64(dataset_id));

CREATE TABLE IF NOT EXISTS flywheel.eval_runs_local ON CLUSTER flywheel_cluster (
    run_id String,
    revision UInt32,
    ts DateTime,
    ts_ms UInt64,
    dataset_id String,
    variant_name String,
    base_url String,
    model String,
    repeats UInt32,
    status String,
    error String,
    summary String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/eval_runs', '{replica}', revision)
ORDER BY run_id;

CREATE TABLE IF NOT EXISTS flywheel.eval_runs ON CLUSTER flywheel_cluster AS flywheel.eval_runs_local
ENGINE = Distributed(flywheel_cluster, flywheel, eval_runs_local, cityHash64(run_id));

CREATE TABLE IF NOT EXISTS flywheel.eval_run_results_local ON CLUSTER flywheel_cluster (
    run_id String,
    item_index UInt32,
    repeat_index UInt32,
    evaluator_id String,
    evaluator_version UInt32,
    ts DateTime,
    ts_ms UInt64,
    status String,
    score Float64,
    passed Nullable(UInt8),
    reason String,
    completion String,
    generation_latency_ms Float64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/eval_run_results', '{replica}')
ORDER BY (run_id, evaluator_id, item_index, repeat_index);

CREATE TABLE IF NOT EXISTS flywheel.eval_run_results ON CLUSTER flywheel_cluster AS flywheel.eval_run_results_local
ENGINE = Distributed(flywheel_cluster, flywheel, eval_run_results_local, cityHash64(run_id));

-- Statistics rollup (V026–V028): the stats engine's per-unit projection and rollup. On a cluster the materialized
-- view runs on every shard over that shard's inference_events_local; the engine reads the Distributed tables.
CREATE TABLE IF NOT EXISTS flywheel.stats_unit_events_local ON CLUSTER flywheel_cluster (
    experiment_id String,
    unit_id String,
    event_id String,
    variant_id String,
    ramp_stage Int32,
    status String,
    tokens UInt64,
    cost Float64,
    latency_ms Float64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/stats_unit_events', '{replica}')
ORDER BY (experiment_id, unit_id, event_id);

CREATE TABLE IF NOT EXISTS flywheel.stats_unit_events ON CLUSTER flywheel_cluster AS flywheel.stats_unit_events_local
ENGINE = Distributed(flywheel_cluster, flywheel, stats_unit_events_local, cityHash64(unit_id));

CREATE TABLE IF NOT EXISTS flywheel.stats_unit_rollup_local ON CLUSTER flywheel_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/stats_unit_rollup', '{replica}', version)
ORDER BY (experiment_id, variant_id, ramp_stage, unit_id);

CREATE TABLE IF NOT EXISTS flywheel.stats_unit_rollup ON CLUSTER flywheel_cluster AS flywheel.stats_unit_rollup_local
ENGINE = Distributed(flywheel_cluster, flywheel, stats_unit_rollup_local, cityHash64(unit_id));

CREATE TABLE IF NOT EXISTS flywheel.stats_rollup_progress_local ON CLUSTER flywheel_cluster (
    experiment_id String,
    refreshed_to DateTime
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/flywheel/stats_rollup_progress', '{replica}', refreshed_to)
ORDER BY experiment_id;

CREATE TABLE IF NOT EXISTS flywheel.stats_rollup_progress ON CLUSTER flywheel_cluster AS flywheel.stats_rollup_progress_local
ENGINE = Distributed(flywheel_cluster, flywheel, stats_rollup_progress_local, cityHash64(experiment_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS flywheel.stats_unit_events_mv ON CLUSTER flywheel_cluster TO flywheel.stats_unit_events_local AS
SELECT experiment_id, unit_id, event_id, variant_id, ramp_stage, status, prompt_tokens + completion_tokens AS tokens,
       cost, latency_ms
FROM flywheel.inference_events_local;

-- V028 (18.16 has no ADD COLUMN IF NOT EXISTS: run once per cluster).
ALTER TABLE flywheel.stats_rollup_progress_local ON CLUSTER flywheel_cluster ADD COLUMN late_fingerprint String;
ALTER TABLE flywheel.stats_rollup_progress ON CLUSTER flywheel_cluster ADD COLUMN late_fingerprint String;
