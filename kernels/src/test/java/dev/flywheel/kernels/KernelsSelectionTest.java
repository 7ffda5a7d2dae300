package dev.flywheel.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KernelsSelectionTest {

    @Test
    void nativeKernelsLoadWhereverTheBuildHadGcc() {
        if (BuildEnvironment.nativeExpected()) {
            assertEquals("native", Kernels.named("native").name());
        } else {
            KernelsUnavailableException e = assertThrows(KernelsUnavailableException.class, () -> Kernels.named("native"));
            assertEquals("native", e.implementation());
        }
    }

    @Test
    void bestPicksNativeWhenBuiltElseVector() {
        assertEquals(BuildEnvironment.nativeExpected() ? "native" : "vector", Kernels.best().name());
    }

    @Test
    void cudaIsOfferedOnlyWhereAnNvidiaDriverExists() {
        boolean driver = Files.exists(Path.of("/proc/driver/nvidia/version"));
        if (!driver) {
            KernelsUnavailableException e = assertThrows(KernelsUnavailableException.class, () -> Kernels.named("cuda"));
            assertEquals("cuda", e.implementation());
            assertTrue(e.getMessage().startsWith("cuda kernels unavailable: "), e.getMessage());
        } else {
            float[] y = new float[2];
            Kernels.named("cuda").matmul(y, new float[]{1, 2}, 1, Matrix.of(new float[]{1, 0, 0, 1}, 2, 2));
            assertArrayEquals(new float[]{1, 2}, y);
        }
    }

    @Test
    void unknownNameIsRejectedWithTheValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.named("avx9000"));
        assertTrue(e.getMessage().contains("scalar, vector, native, cuda") && e.getMessage().contains("avx9000"), e.getMessage());
    }
}
