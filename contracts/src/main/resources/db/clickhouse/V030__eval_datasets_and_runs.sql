-- eval-service: offline evaluation datasets and runs. Datasets are immutable once uploaded (an id names one set of
-- items); runs write one row per (item, repeat, evaluator) and one row per run state change (latest revision wins).
-- ReplacingMergeTree on keys that are functions of the natural ids, so a retried insert collapses; read with FINAL.
CREATE TABLE IF NOT EXISTS ${db}.eval_datasets (
    dataset_id String,
    ts DateTime,
    ts_ms UInt64,
    item_count UInt32,
    checksum String,
    description String
) ENGINE = ReplacingMergeTree()
ORDER BY dataset_id;

CREATE TABLE IF NOT EXISTS ${db}.eval_dataset_items (
    dataset_id String,
    item_index UInt32,
    messages String,
    reference Nullable(String),
    attributes String
) ENGINE = ReplacingMergeTree()
ORDER BY (dataset_id, item_index);

CREATE TABLE IF NOT EXISTS ${db}.eval_runs (
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
) ENGINE = ReplacingMergeTree(revision)
ORDER BY run_id;

CREATE TABLE IF NOT EXISTS ${db}.eval_run_results (
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
) ENGINE = ReplacingMergeTree()
ORDER BY (run_id, evaluator_id, item_index, repeat_index);
