package dev.flywheel.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Wrong shapes fail before any (native) code reads out of bounds, the same way in every implementation. */
class ShapeValidationTest {

    static Stream<String> allImplementations() {
        List<String> names = new ArrayList<>(List.of("scalar"));
        names.addAll(BuildEnvironment.fastImplementations());
        return names.stream();
    }

    private static void assertRejected(Executable call, String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(field), "message should name " + field + ": " + e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("allImplementations")
    void shortArraysAndBadShapesAreRejectedNamingTheArgument(String name) {
        Kernels k = BuildEnvironment.create(name);
        Matrix w = Matrix.of(new float[6], 2, 3);
        assertRejected(() -> k.matmul(new float[2], new float[5], 2, w), "x");
        assertRejected(() -> k.matmul(new float[3], new float[6], 2, w), "y");
        assertRejected(() -> k.matmul(new float[4], new float[6], -1, w), "batch");
        assertRejected(() -> k.matmul(new float[10], 0, 1, new float[6], 2, w), "ldy");
        assertRejected(() -> k.matmul(new float[10], -1, 2, new float[6], 2, w), "yOff");
        assertRejected(() -> k.matmul(new float[6], 3, 3, new float[6], 2, w), "y");
        assertRejected(() -> k.matmul(new float[6], 0, 3, Matrix.of(new float[4], 2, 2), w), "x has 2 columns");
        assertRejected(() -> k.matmul(new float[6], 0, 3, new Matrix(MemorySegment.ofArray(new short[6]), DType.BF16, 2, 3), w), "x must be a float32");
        assertRejected(() -> k.matmul(new float[4], 0, 3, Matrix.of(new float[6], 2, 3), w), "y");
        assertRejected(() -> k.matmulTransposedAccumulate(new float[5], new float[4], 2, w), "dx");
        assertRejected(() -> k.rmsnorm(new float[4], 2, new float[4], 0, new float[4], 4, 1e-5f), "out");
        assertRejected(() -> k.softmax(new float[4], 1, 4), "x");
        assertRejected(() -> k.swiglu(new float[4], new float[4], 1, 4), "gate");
        assertRejected(() -> k.swiglu(new float[5], new float[4], 1, 4), "up");
        assertRejected(() -> k.swiglu(new float[4], new float[4], 0, -1), "n");
        assertRejected(() -> k.rope(new float[8], 0, 2, 3, 0, 10000f), "headDim");
        assertRejected(() -> k.rope(new float[8], 0, 1, 4, -1, 10000f), "pos");
        LoraWeights lw = new LoraWeights(Matrix.of(new float[3], 1, 3), Matrix.of(new float[2], 2, 1));
        assertRejected(() -> k.loraSgmv(new float[4], new float[6], new int[]{0, 2}, new LoraWeights[]{lw}, new float[]{1}, 2, 2),
                "adapters[0]");
        assertRejected(() -> k.loraSgmv(new float[4], new float[6], new int[]{0, 2, 1}, new LoraWeights[]{null, null},
                new float[]{1, 1}, 3, 2), "segStart");
        float[] cache = new float[2 * 4 * 2];
        assertRejected(() -> k.attention(new float[4], 0, new float[4], 0, cache, cache, new int[]{0}, 4, 5, 2, 1, 2),
                "blockTable");
        assertRejected(() -> k.attention(new float[4], 0, new float[4], 0, cache, cache, new int[]{0, 7}, 4, 5, 2, 1, 2),
                "blockTable[1]");
        assertRejected(() -> k.attention(new float[6], 0, new float[6], 0, cache, cache, new int[]{0}, 4, 1, 3, 2, 2),
                "nKvHeads");
    }

    @ParameterizedTest
    @MethodSource("allImplementations")
    void readOnlyMemoryMappedWeightsAreUsedInPlace(String name, @TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tmp = arena.allocate(4 * 4);
            float[] values = {1, 2, 3, 4};
            for (int i = 0; i < 4; i++) {
                tmp.setAtIndex(le, i, values[i]);
            }
            Files.write(file, tmp.toArray(ValueLayout.JAVA_BYTE));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, 16, arena);
            float[] y = new float[2];
            BuildEnvironment.create(name).matmul(y, new float[]{1, 1}, 1, new Matrix(mapped, DType.F32, 2, 2));
            assertArrayEquals(new float[]{3, 7}, y);
        }
    }
}
