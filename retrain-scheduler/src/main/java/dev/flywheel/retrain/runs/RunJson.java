package dev.flywheel.retrain.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Run records as snake_case JSON (the API's answers and the {@code record} column of training_runs). */
public final class RunJson {
    private final ObjectMapper mapper;

    public RunJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode toJson(RunRecord r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("run_id", r.runId());
        n.put("version", r.version());
        n.put("policy_id", r.policyId());
        n.put("base_model", r.baseModel());
        n.put("parent_adapter", r.parentAdapter());
        n.put("trigger", r.trigger());
        n.put("status", r.status().name().toLowerCase(Locale.ROOT));
        n.put("dataset_id", r.datasetId());
        n.put("adapter_id", r.adapterId());
        n.put("adapter_dir", r.adapterDir());
        n.put("experiment_id", r.experimentId());
        n.put("error", r.error());
        ObjectNode d = n.putObject("details");
        new TreeMap<>(r.details()).forEach(d::put);
        n.put("created_at_ms", r.createdAtMs());
        n.put("updated_at_ms", r.updatedAtMs());
        return n;
    }

    public String encode(RunRecord r) {
        try {
            return mapper.writeValueAsString(toJson(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RunRecord decode(String json) {
        try {
            JsonNode n = mapper.readTree(json);
            Map<String, String> details = new TreeMap<>();
            n.path("details").properties().forEach(e -> details.put(e.getKey(), e.getValue().asText()));
            return new RunRecord(n.path("run_id").asText(), n.path("version").asLong(), n.path("policy_id").asText(),
                    n.path("base_model").asText(), n.path("parent_adapter").asText(), n.path("trigger").asText(),
                    RunStatus.valueOf(n.path("status").asText().toUpperCase(Locale.ROOT)), n.path("dataset_id").asText(),
                    n.path("adapter_id").asText(), n.path("adapter_dir").asText(), n.path("experiment_id").asText(),
                    n.path("error").asText(), details, n.path("created_at_ms").asLong(), n.path("updated_at_ms").asLong());
        } catch (IOException | IllegalArgumentException e) {
            throw new RunStoreException("unreadable run record: " + e.getMessage(), e);
        }
    }
}
