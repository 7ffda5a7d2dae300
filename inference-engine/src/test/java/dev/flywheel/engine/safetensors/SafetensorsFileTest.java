package dev.flywheel.engine.safetensors;

import dev.flywheel.kernels.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {
    private static final float[] VALUES = {0f, 1f, -2.5f, 3.140625f, 1e-3f, -65504f};

    @Test
    void writtenTensorsReadBackInEveryDtypeWithinItsPrecision(@TempDir Path dir) {
        for (DType dtype : DType.values()) {
            Path file = dir.resolve(dtype + ".safetensors");
            new SafetensorsWriter(dtype).write(file, List.of(
                    new SafetensorsWriter.Entry("w", new long[] {2, 3}, VALUES),
                    new SafetensorsWriter.Entry("norm", new long[] {1}, new float[] {0.5f})), Map.of("format", "pt"));
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertEquals(List.of("w", "norm"), List.copyOf(f.names()));
                assertEquals("pt", f.metadata().get("format"));
                Tensor w = f.tensor("w");
                assertEquals(dtype, w.dtype());
                assertArrayEquals(new long[] {2, 3}, w.shape());
                assertEquals(2, w.matrix().rows());
                float tol = dtype == DType.F32 ? 0f : dtype == DType.F16 ? 1e-3f : 1e-2f; // relative
                float[] got = w.toFloatArray();
                for (int i = 0; i < VALUES.length; i++) {
                    assertEquals(VALUES[i], got[i], tol * Math.abs(VALUES[i]) + 1e-6f, dtype + " element " + i);
                }
            }
        }
    }

    @Test
    void tensorsAreViewsOfTheMappedFileNotHeapCopies(@TempDir Path dir) {
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter(DType.F32).write(file, List.of(new SafetensorsWriter.Entry("w", new long[] {2, 3}, VALUES)), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertTrue(f.tensor("w").data().isNative(), "mapped segment expected");
            assertTrue(f.tensor("w").data().isMapped());
        }
    }

    private static Path raw(Path dir, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static String failure(Path file) {
        return assertThrows(SafetensorsException.class, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.tensor("w");
            }
        }).getMessage();
    }

    @Test
    void malformedFilesFailWithMessagesNamingTheProblem(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tiny"), new byte[3]);
        assertTrue(failure(dir.resolve("tiny")).contains("8-byte header length"));
        Path huge = dir.resolve("huge");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(failure(huge).contains("header length"));
        assertTrue(failure(raw(dir, "{not json", 0)).contains("not valid JSON"));
        assertTrue(failure(raw(dir, "[1,2]", 0)).contains("JSON object"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8)).contains("outside the data region"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)).contains("needs 12"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1)).contains("unknown dtype 'Q4'"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)).contains("shape[0]"));
        assertTrue(failure(raw(dir, "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4)).contains("'dtype'"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 8)).contains("overlap"));
        assertTrue(failure(raw(dir, "{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8))
                .contains("unsupported dtype I64"));
        assertTrue(failure(raw(dir, "{\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4))
                .contains("tensor w is missing"));
    }

    @Test
    void emptyTensorListAndZeroSizedTensorsAreValid(@TempDir Path dir) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(raw(dir, "{\"__metadata__\":{\"a\":\"b\"},\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]}}", 0))) {
            assertEquals(0, f.tensor("z").elementCount());
            assertFalse(f.contains("w"));
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even mantissa (1.0).
        assertEquals((short) 0x3f80, FloatCodec.toBf16(1f + 0x1p-8f));
        assertEquals((short) 0x3f81, FloatCodec.toBf16(1f + 0x1p-8f + 0x1p-12f));
        assertTrue(Float.isNaN(Float.intBitsToFloat(FloatCodec.toBf16(Float.NaN) << 16)));
    }
}
