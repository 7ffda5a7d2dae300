-- History of the compacted state topics (experiments, model/adapter registry): one row per record version.
-- The topics are the source of truth; these tables are for audit and dashboards.
CREATE TABLE IF NOT EXISTS ${db}.experiment_history (
    id String,
    version UInt64,
    ts DateTime,
    ts_ms UInt64,
    status String,
    record String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (id, version);

CREATE TABLE IF NOT EXISTS ${db}.model_history (
    id String,
    version UInt64,
    ts DateTime,
    ts_ms UInt64,
    status String,
    record String,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree()
ORDER BY (id, version);

-- Every ramp-controller decision (advance, hold, rollback, promote, pause) with its reasons and numbers.
CREATE TABLE IF NOT EXISTS ${db}.ramp_decisions (
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
) ENGINE = ReplacingMergeTree()
ORDER BY (experiment_id, ts_ms, decision_id);

-- Retrain runs: one row per state change of a run (latest version wins).
CREATE TABLE IF NOT EXISTS ${db}.training_runs (
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
) ENGINE = ReplacingMergeTree()
ORDER BY (run_id, version);

-- Per-step training metrics (reward curve, loss, KL, grad norm).
CREATE TABLE IF NOT EXISTS ${db}.training_metrics (
    run_id String,
    step UInt32,
    metric String,
    value Float64,
    ts DateTime,
    ts_ms UInt64
) ENGINE = ReplacingMergeTree()
ORDER BY (run_id, metric, step);
