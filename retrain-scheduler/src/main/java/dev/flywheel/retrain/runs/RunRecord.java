package dev.flywheel.retrain.runs;

import java.util.Map;

/**
 * The persisted state of one retrain run; every change is a new {@code version} (the store keeps the highest).
 * {@code details} carries the numbers of each stage (dataset sizes, trainer metrics summary, gate comparisons,
 * deployed ids) as flat strings, so a reader needs no schema beyond this record.
 *
 * @param trigger      "api" or "schedule"
 * @param datasetId    snapshot id once built, else ""
 * @param adapterId    the candidate's id once trained, else ""
 * @param adapterDir   where the candidate's PEFT directory lies, else ""
 * @param experimentId the champion-vs-candidate experiment once created, else ""
 */
public record RunRecord(
        String runId,
        long version,
        String policyId,
        String baseModel,
        String parentAdapter,
        String trigger,
        RunStatus status,
        String datasetId,
        String adapterId,
        String adapterDir,
        String experimentId,
        String error,
        Map<String, String> details,
        long createdAtMs,
        long updatedAtMs) {

    public RunRecord {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("runId is required");
        }
        if (status == null) {
            throw new IllegalArgumentException("status is required");
        }
        parentAdapter = parentAdapter == null ? "" : parentAdapter;
        datasetId = datasetId == null ? "" : datasetId;
        adapterId = adapterId == null ? "" : adapterId;
        adapterDir = adapterDir == null ? "" : adapterDir;
        experimentId = experimentId == null ? "" : experimentId;
        error = error == null ? "" : error;
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** The next version of this record with a new status (and the change time). */
    public RunRecord next(RunStatus newStatus, long now) {
        return new RunRecord(runId, version + 1, policyId, baseModel, parentAdapter, trigger, newStatus, datasetId, adapterId,
                adapterDir, experimentId, error, details, createdAtMs, now);
    }

    public RunRecord withDataset(String id) {
        return new RunRecord(runId, version, policyId, baseModel, parentAdapter, trigger, status, id, adapterId, adapterDir,
                experimentId, error, details, createdAtMs, updatedAtMs);
    }

    public RunRecord withAdapter(String id, String dir) {
        return new RunRecord(runId, version, policyId, baseModel, parentAdapter, trigger, status, datasetId, id, dir,
                experimentId, error, details, createdAtMs, updatedAtMs);
    }

    public RunRecord withExperiment(String id) {
        return new RunRecord(runId, version, policyId, baseModel, parentAdapter, trigger, status, datasetId, adapterId, adapterDir,
                id, error, details, createdAtMs, updatedAtMs);
    }

    public RunRecord withError(String message) {
        return new RunRecord(runId, version, policyId, baseModel, parentAdapter, trigger, status, datasetId, adapterId, adapterDir,
                experimentId, message, details, createdAtMs, updatedAtMs);
    }

    public RunRecord withDetails(Map<String, String> more) {
        Map<String, String> merged = new java.util.TreeMap<>(details);
        merged.putAll(more);
        return new RunRecord(runId, version, policyId, baseModel, parentAdapter, trigger, status, datasetId, adapterId, adapterDir,
                experimentId, error, merged, createdAtMs, updatedAtMs);
    }
}
