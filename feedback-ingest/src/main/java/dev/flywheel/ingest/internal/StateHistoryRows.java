package dev.flywheel.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.contracts.events.EventCodec;
import dev.flywheel.contracts.events.InvalidEventException;
import dev.flywheel.ingest.batching.RowBuffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A compacted state topic ({@code flywheel.experiments.v1}, {@code flywheel.models.v1}) → its history table
 * (V002: id, version, ts, ts_ms, status, record). The value is the whole current record as a JSON object with
 * {@code id} (or the record key), a {@code version} integer >= 0, an optional {@code status} string and an optional
 * {@code updated_at} (or {@code ts}) in epoch ms, else the Kafka timestamp. {@code record} keeps the JSON as sent.
 * Tombstones (null values, deletions in a compacted topic) carry no version and are not history rows: the sink
 * counts and skips them before calling this.
 */
public record StateHistoryRows(String table, EventCodec codec) implements RowEncoder {
    private static final List<String> COLUMNS = List.of("id", "version", "ts", "ts_ms", "status", "record");
    private static final long MIN_MS = 1_000_000_000_000L;
    private static final long MAX_MS = 9_999_999_999_999L;

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    @Override
    public long append(byte[] key, byte[] value, long recordTimestamp, RowBuffer out) {
        if (value.length > codec.maxEventBytes()) {
            throw new InvalidEventException("$", "record is " + value.length + " bytes, over the limit of " + codec.maxEventBytes());
        }
        JsonNode root;
        try {
            root = codec.mapper().readTree(value);
        } catch (IOException e) {
            throw EventCodec.translate(e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("$", "expected a JSON object with id and version");
        }
        String id = text(root, "id");
        if (id == null || id.isEmpty()) {
            id = key == null ? "" : new String(key, StandardCharsets.UTF_8);
        }
        if (id.isBlank() || id.length() > 256) {
            throw new InvalidEventException("id", "is required (a non-empty string of at most 256 characters, or the record key)");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToLong() || !version.isIntegralNumber() || version.asLong() < 0) {
            throw new InvalidEventException("version", "is required and must be an integer >= 0, got " + version);
        }
        String status = text(root, "status");
        long ts = recordTimestamp;
        String tsField = root.has("updated_at") ? "updated_at" : root.has("ts") ? "ts" : null;
        if (tsField != null) {
            JsonNode t = root.get(tsField);
            if (!t.isIntegralNumber() || t.asLong() < MIN_MS || t.asLong() > MAX_MS) {
                throw new InvalidEventException(tsField, "must be epoch milliseconds (13 digits), got " + t);
            }
            ts = t.asLong();
        }
        Tsv.string(out, id); Tsv.tab(out);
        Tsv.integer(out, version.asLong()); Tsv.tab(out);
        Tsv.dateTime(out, ts); Tsv.tab(out);
        Tsv.integer(out, ts); Tsv.tab(out);
        Tsv.string(out, status == null ? "" : status); Tsv.tab(out);
        Tsv.string(out, new String(value, StandardCharsets.UTF_8));
        Tsv.newline(out);
        return ts;
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidEventException(field, "expected a string, got " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return n.asText();
    }
}
