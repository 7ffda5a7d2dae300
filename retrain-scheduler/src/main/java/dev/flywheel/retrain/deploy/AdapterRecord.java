package dev.flywheel.retrain.deploy;

import java.util.Map;

/**
 * An adapter in the registry (the value of {@code flywheel.models.v1}, key = id): where its PEFT directory lies,
 * which base model it runs on, a version (1 when registered; bumped by later status changes), and its lineage
 * (parent adapter, run, dataset snapshot, trainer settings, gate numbers) as flat strings.
 */
public record AdapterRecord(String id, long version, String baseModel, String path, String status, Map<String, String> lineage,
                            long createdAtMs) {
    public AdapterRecord {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id is required");
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, got " + version);
        }
        lineage = lineage == null ? Map.of() : Map.copyOf(lineage);
    }
}
