package dev.flywheel.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.kernels.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A memory-mapped safetensors file: 8-byte little-endian header length N, N bytes of JSON
 * ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then the data region.
 * Tensors are views of the mapping; nothing is copied onto the heap. Closing unmaps the file, after
 * which every {@link Tensor} obtained from it is invalid.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers larger than this are rejected as corrupt (the format's own reference limit). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final Map<String, Integer> KNOWN_DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
            Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    private record Entry(String dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment dataRegion;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment dataRegion, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.dataRegion = dataRegion;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}; throws {@link SafetensorsException} naming what is wrong. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(path, "file is " + size + " bytes; a safetensors file starts with an 8-byte header length");
            }
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new SafetensorsException(path, "header length " + headerLen + " is invalid for a file of " + size
                        + " bytes (expected 1.." + Math.min(MAX_HEADER_BYTES, size - 8) + ")");
            }
            byte[] headerBytes = whole.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment dataRegion = whole.asSlice(8 + headerLen);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(path, headerBytes, dataRegion.byteSize(), metadata);
            return new SafetensorsFile(path, arena, dataRegion, entries, Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path path, byte[] headerBytes, long dataBytes, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, "header must be a JSON object of tensors");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.put(name, parseEntry(path, name, node, dataBytes));
        }
        checkNoOverlap(path, entries);
        return Collections.unmodifiableMap(entries);
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataBytes) {
        String where = "tensor " + name + ": ";
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(path, where + "field 'dtype' is required and must be a string");
        }
        String dtype = dtypeNode.asText();
        Integer elementBytes = KNOWN_DTYPE_BYTES.get(dtype);
        if (elementBytes == null) {
            throw new SafetensorsException(path, where + "unknown dtype '" + dtype + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(path, where + "field 'shape' is required and must be an array of non-negative integers");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafetensorsException(path, where + "shape[" + i + "] must be a non-negative integer, got " + d);
            }
            shape[i] = d.asLong();
            count = Math.multiplyExact(count, shape[i]);
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new SafetensorsException(path, where + "field 'data_offsets' must be [begin, end] integers");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new SafetensorsException(path, where + "data_offsets [" + begin + ", " + end
                    + "] fall outside the data region of " + dataBytes + " bytes");
        }
        if (end - begin != count * elementBytes) {
            throw new SafetensorsException(path, where + "data_offsets cover " + (end - begin) + " bytes but shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + count * elementBytes);
        }
        return new Entry(dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, Map<String, Entry> entries) {
        List<Map.Entry<String, Entry>> sorted = new ArrayList<>(entries.entrySet());
        sorted.sort(Comparator.comparingLong(e -> e.getValue().begin()));
        for (int i = 1; i < sorted.size(); i++) {
            var prev = sorted.get(i - 1);
            var cur = sorted.get(i);
            if (cur.getValue().begin() < prev.getValue().end()) {
                throw new SafetensorsException(path, "tensors " + prev.getKey() + " and " + cur.getKey() + " overlap in the data region");
            }
        }
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public Set<String> names() { return entries.keySet(); }

    /** The {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() { return metadata; }

    public boolean contains(String name) { return entries.containsKey(name); }

    /** The named tensor, or empty when absent; throws if present with a dtype other than F32/BF16/F16. */
    public Optional<Tensor> find(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            return Optional.empty();
        }
        DType dtype = switch (e.dtype()) {
            case "F32" -> DType.F32;
            case "BF16" -> DType.BF16;
            case "F16" -> DType.F16;
            default -> throw new SafetensorsException(path, "tensor " + name + ": unsupported dtype " + e.dtype()
                    + " (supported: F32, BF16, F16)");
        };
        return Optional.of(new Tensor(name, dtype, e.shape(), dataRegion.asSlice(e.begin(), e.end() - e.begin())));
    }

    /** The named tensor; throws {@link SafetensorsException} naming it when absent. */
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new SafetensorsException(path, "tensor " + name + " is missing"));
    }

    @Override
    public void close() {
        arena.close();
    }
}
