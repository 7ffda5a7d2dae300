package dev.flywheel.eval.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.contracts.clickhouse.ClickHouseConnections;
import dev.flywheel.contracts.events.ChatMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Datasets in ClickHouse ({@code eval_datasets}, {@code eval_dataset_items}, migration V030). A dataset id names
 * one immutable set of items: uploading the same bytes again is a no-op, different bytes under a used id are a
 * {@link DatasetConflictException}. Items are written before the header row, so a dataset whose header exists is
 * complete; reads use FINAL so retried inserts collapse.
 */
public final class DatasetStore {
    private static final TypeReference<List<ChatMessage>> MESSAGES = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> ATTRS = new TypeReference<>() {};

    private final ClickHouseConnections connections;
    private final ObjectMapper mapper;

    public DatasetStore(ClickHouseConnections connections, ObjectMapper mapper) {
        this.connections = connections;
        this.mapper = mapper;
    }

    /** The header of a stored dataset: id, item count, checksum, creation time. */
    public record Header(String id, int itemCount, String checksum, long createdAtMs, String description) {}

    /** Stores the dataset; true when it was new, false when the identical dataset was there already. */
    public boolean save(Dataset d) {
        Optional<Header> existing = header(d.id());
        if (existing.isPresent()) {
            if (existing.get().checksum().equals(d.checksum())) {
                return false;
            }
            throw new DatasetConflictException(d.id(), "dataset '" + d.id() + "' exists with different content (checksum "
                    + existing.get().checksum().substring(0, 12) + "...); datasets are immutable, upload under a new id");
        }
        String db = connections.config().database();
        try (Connection c = connections.open()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + db
                    + ".eval_dataset_items (dataset_id, item_index, messages, reference, attributes) VALUES (?, ?, ?, ?, ?)")) {
                for (DatasetItem item : d.items()) {
                    ps.setString(1, d.id());
                    ps.setInt(2, item.index());
                    ps.setString(3, mapper.writeValueAsString(item.messages()));
                    ps.setString(4, item.reference());
                    ps.setString(5, mapper.writeValueAsString(item.attributes()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + db
                    + ".eval_datasets (dataset_id, ts, ts_ms, item_count, checksum, description) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, d.id());
                ps.setTimestamp(2, new Timestamp(d.createdAtMs()));
                ps.setLong(3, d.createdAtMs());
                ps.setInt(4, d.items().size());
                ps.setString(5, d.checksum());
                ps.setString(6, d.description());
                ps.executeUpdate();
            }
            return true;
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot store dataset " + d.id() + ": " + e.getMessage(), e);
        }
    }

    public Optional<Header> header(String id) {
        String db = connections.config().database();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("SELECT dataset_id, item_count, checksum, ts_ms, description FROM " + db
                     + ".eval_datasets FINAL WHERE dataset_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Header(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4), rs.getString(5)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read dataset " + id + ": " + e.getMessage(), e);
        }
    }

    public Optional<Dataset> load(String id) {
        Optional<Header> h = header(id);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        String db = connections.config().database();
        List<DatasetItem> items = new ArrayList<>();
        try (Connection c = connections.open();
             PreparedStatement ps = c.prepareStatement("SELECT item_index, messages, reference, attributes FROM " + db
                     + ".eval_dataset_items FINAL WHERE dataset_id = ? ORDER BY item_index")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(new DatasetItem(rs.getInt(1), mapper.readValue(rs.getString(2), MESSAGES), rs.getString(3),
                            mapper.readValue(rs.getString(4), ATTRS)));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read dataset " + id + ": " + e.getMessage(), e);
        }
        if (items.size() != h.get().itemCount()) {
            throw new IllegalStateException("dataset " + id + " has " + items.size() + " items stored but its header says "
                    + h.get().itemCount());
        }
        return Optional.of(new Dataset(id, h.get().description(), items, h.get().checksum(), h.get().createdAtMs()));
    }
}
