package dev.flywheel.eval.datasets;

import java.util.List;
import java.util.regex.Pattern;

/** An immutable, uploaded evaluation set. {@code checksum} is the SHA-256 of the uploaded JSONL bytes. */
public record Dataset(String id, String description, List<DatasetItem> items, String checksum, long createdAtMs) {
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public Dataset {
        if (id == null || !ID.matcher(id).matches()) {
            throw new DatasetException(0, "dataset_id", "must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}, got '" + id + "'");
        }
        description = description == null ? "" : description;
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new DatasetException(0, "$", "a dataset needs at least one item");
        }
    }
}
