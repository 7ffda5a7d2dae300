package dev.flywheel.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.kernels.LoraWeights;
import dev.flywheel.kernels.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterRegistryTest {
    private static final ModelConfig BASE = new ModelConfig(8, 16, 1, 2, 2, 32, 64, 10000f, 1e-5f, true, -1, -1);

    @TempDir
    Path dir;

    private final List<String> loads = new ArrayList<>();

    private LoraAdapter tiny(String name, Path path) {
        loads.add(name);
        LoraWeights[][] w = new LoraWeights[1][Projection.values().length];
        w[0][Projection.Q.ordinal()] = new LoraWeights(Matrix.of(new float[8], 1, 8), Matrix.of(new float[8], 8, 1));
        return new LoraAdapter(name, 1, 1f, 1f, BASE, w);
    }

    private Path peftDir(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    @Test
    void aLoadedAdapterIsServedUnderItsName() throws IOException {
        AdapterRegistry registry = new AdapterRegistry("base-model", 4, this::tiny);
        ResidentAdapter loaded = registry.load("math-v2", peftDir("math"));
        assertSame(loaded, registry.acquire("math-v2"));
        assertEquals("math-v2", loaded.weights().name());
        assertEquals(List.of("math-v2"), registry.names());
        assertEquals(1, registry.residentCount());
    }

    @Test
    void namesInUseAreRejectedIncludingTheBaseModel() throws IOException {
        AdapterRegistry registry = new AdapterRegistry("base-model", 4, this::tiny);
        registry.load("a", peftDir("a"));
        assertThrows(AdapterException.Duplicate.class, () -> registry.load("a", peftDir("a2")));
        assertThrows(AdapterException.Duplicate.class, () -> registry.load("base-model", peftDir("b")));
        assertThrows(AdapterException.InvalidName.class, () -> registry.load(" ", peftDir("c")));
        assertThrows(AdapterException.InvalidName.class, () -> registry.load("has space", peftDir("d")));
        assertThrows(AdapterException.InvalidName.class, () -> registry.load(null, peftDir("e")));
    }

    @Test
    void unloadForgetsTheAdapterAndUnknownNamesFail() throws IOException {
        AdapterRegistry registry = new AdapterRegistry("base", 4, this::tiny);
        registry.load("a", peftDir("a"));
        registry.unload("a");
        assertThrows(AdapterException.Unknown.class, () -> registry.acquire("a"));
        assertThrows(AdapterException.Unknown.class, () -> registry.unload("a"));
        assertEquals(0, registry.residentCount());
        registry.load("a", peftDir("a")); // the name can be reused after unloading
    }

    @Test
    void beyondTheResidentLimitTheLeastRecentlyUsedAdapterLeavesMemoryAndComesBackOnUse() throws IOException {
        AdapterRegistry registry = new AdapterRegistry("base", 2, this::tiny);
        ResidentAdapter a1 = registry.load("a", peftDir("a"));
        registry.load("b", peftDir("b"));
        registry.acquire("a"); // a is now more recent than b
        registry.load("c", peftDir("c"));
        assertEquals(2, registry.residentCount());
        assertEquals(List.of("a", "b", "c"), loads);

        registry.acquire("a");
        assertEquals(3, loads.size(), "a stayed resident");
        registry.acquire("b");
        assertEquals(List.of("a", "b", "c", "b"), loads, "b was evicted and is read again");
        assertEquals(2, registry.residentCount());

        registry.load("d", peftDir("d")); // evicts a, now the least recently used resident adapter
        ResidentAdapter a2 = registry.acquire("a");
        assertNotEquals(a1.generation(), a2.generation(), "a reload is a new generation");
        assertNotEquals(a1.cacheNamespace(), a2.cacheNamespace(), "so its prefix-cache key space is new");
        assertEquals(4, registry.names().size());
    }

    @Test
    void unreadableDirectoriesFailWithTheReason() throws IOException {
        AdapterRegistry registry = new AdapterRegistry("base", 2, this::tiny);
        var missing = assertThrows(AdapterException.LoadFailed.class, () -> registry.load("x", dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("not a directory"), missing.getMessage());
        AdapterRegistry failing = new AdapterRegistry("base", 2, (n, p) -> {
            throw new IllegalArgumentException("adapter_config.json: field 'r' is required");
        });
        var bad = assertThrows(AdapterException.LoadFailed.class, () -> failing.load("y", peftDir("y")));
        assertTrue(bad.getMessage().contains("field 'r'"), bad.getMessage());
        assertEquals(List.of(), failing.names(), "a failed load registers nothing");
    }

    @Test
    void aPeftDirectoryWrittenByTheTrainerLoadsThroughTheRealLoader() {
        LoraAdapter original = tiny("orig", dir);
        Path peft = dir.resolve("peft");
        original.save(peft, "base");
        AdapterRegistry registry = new AdapterRegistry("base", 2, (name, path) -> LoraAdapter.load(path, BASE, name));
        ResidentAdapter loaded = registry.load("served", peft);
        assertEquals("served", loaded.weights().name());
        assertEquals(original.rank(), loaded.weights().rank());
        assertEquals(original.targets(), loaded.weights().targets());
    }
}
