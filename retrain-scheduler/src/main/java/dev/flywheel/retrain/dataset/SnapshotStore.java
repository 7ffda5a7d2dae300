package dev.flywheel.retrain.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshots as JSON Lines files, {@code <root>/<id>.jsonl}, one item per line with {@code "split": "train"|"holdout"}
 * (the same file an external trainer is handed). Written to a temporary file and moved into place, so a crash never
 * leaves a half snapshot under its id; an existing id is content-identical and left alone.
 */
public final class SnapshotStore {
    private final Path root;
    private final ObjectMapper mapper;

    public SnapshotStore(Path root, ObjectMapper mapper) {
        this.root = root;
        this.mapper = mapper;
    }

    public Path path(String id) {
        return root.resolve(id + ".jsonl");
    }

    public Path save(DatasetSnapshot s) {
        Path target = path(s.id());
        if (Files.exists(target)) {
            return target;
        }
        try {
            Files.createDirectories(root);
            Path tmp = Files.createTempFile(root, s.id(), ".tmp");
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (DatasetItem item : s.train()) {
                    w.write(mapper.writeValueAsString(line(item, "train", s.createdAtMs())));
                    w.newLine();
                }
                for (DatasetItem item : s.holdout()) {
                    w.write(mapper.writeValueAsString(line(item, "holdout", s.createdAtMs())));
                    w.newLine();
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store dataset snapshot " + s.id() + " under " + root, e);
        }
    }

    public Optional<DatasetSnapshot> load(String id) {
        Path file = path(id);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<DatasetItem> train = new ArrayList<>();
        List<DatasetItem> holdout = new ArrayList<>();
        long created = 0;
        try {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode n = mapper.readTree(l);
                Map<String, Double> scores = new HashMap<>();
                n.path("scores").properties().forEach(e -> scores.put(e.getKey(), e.getValue().asDouble()));
                DatasetItem item = new DatasetItem(n.path("request_id").asText(), n.path("prompt").asText(),
                        n.path("completion").asText(), n.hasNonNull("reference") ? n.get("reference").asText() : null, scores,
                        n.hasNonNull("feedback") ? n.get("feedback").asDouble() : Double.NaN);
                created = n.path("created_at_ms").asLong();
                ("holdout".equals(n.path("split").asText()) ? holdout : train).add(item);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset snapshot " + file, e);
        }
        return Optional.of(new DatasetSnapshot(id, created, train, holdout));
    }

    private ObjectNode line(DatasetItem item, String split, long createdAtMs) {
        ObjectNode n = mapper.createObjectNode();
        n.put("split", split);
        n.put("request_id", item.requestId());
        n.put("prompt", item.prompt());
        n.put("completion", item.completion());
        n.put("reference", item.reference());
        ObjectNode scores = n.putObject("scores");
        item.scores().forEach(scores::put);
        if (!Double.isNaN(item.feedback())) {
            n.put("feedback", item.feedback());
        }
        n.put("created_at_ms", createdAtMs);
        return n;
    }
}
