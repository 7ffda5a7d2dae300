package dev.flywheel.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.kernels.DType;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Writes float tensors to a safetensors file, atomically (temp file + move). */
public final class SafetensorsWriter {
    /** A tensor to write: float32 values stored as {@code dtype}, row-major with the given shape. */
    public record Entry(String name, long[] shape, float[] values) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(values, "values");
            shape = shape.clone();
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("name must be non-empty and not __metadata__, got '" + name + "'");
            }
            if (Tensor.elementCount(shape) != values.length) {
                throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs "
                        + Tensor.elementCount(shape) + " values, got " + values.length);
            }
        }
    }

    private final DType dtype;

    public SafetensorsWriter(DType dtype) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
    }

    public void write(Path file, List<Entry> tensors, Map<String, String> metadata) {
        ObjectNode header = new ObjectMapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry t : tensors) {
            if (header.has(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + t.name());
            }
            ObjectNode node = header.putObject(t.name());
            node.put("dtype", dtype.name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = (long) t.values().length * dtype.bytes();
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keep the data region 8-byte aligned
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Entry t : tensors) {
                    byte[] data = new byte[t.values().length * dtype.bytes()];
                    MemorySegment seg = MemorySegment.ofArray(data);
                    for (int i = 0; i < t.values().length; i++) {
                        FloatCodec.write(seg, dtype, i, t.values()[i]);
                    }
                    out.write(data);
                }
            }
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                // createTempFile makes the file owner-only; a model file is meant to be shared.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot write: " + e.getMessage(), e);
        }
    }
}
