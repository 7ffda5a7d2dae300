package dev.flywheel.engine.lora;

import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.ModelFormatException;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.model.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraAdapterTest {
    private final ModelConfig cfg = TestModels.tinyConfig(false);

    @Test
    void savedPeftDirectoryLoadsBackWithScaleAlphaOverRank(@TempDir Path dir) throws Exception {
        var params = dev.flywheel.engine.training.LoraParameters.initialize(cfg, 4, 16f,
                EnumSet.of(Projection.Q, Projection.V, Projection.DOWN), new SplittableRandom(1));
        params.toAdapter("a").save(dir, "tiny");
        String config = Files.readString(dir.resolve("adapter_config.json"));
        assertTrue(config.contains("\"q_proj\"") && config.contains("\"down_proj\""), config);
        LoraAdapter a = LoraAdapter.load(dir, cfg, "mine");
        assertEquals("mine", a.name());
        assertEquals(4, a.rank());
        assertEquals(4f, a.scale());
        assertEquals(EnumSet.of(Projection.Q, Projection.V, Projection.DOWN), a.targets());
        assertNull(a.weights(1, Projection.K));
        // rank 4 x 2 layers x (in + out of q, v, down) x 4 bytes of float32
        assertEquals(4L * 2 * ((16 + 16) + (16 + 8) + (24 + 16)) * 4, a.bytes());
        assertTrue(a.fits(cfg));
        assertFalse(a.fits(new ModelConfig(32, 24, 2, 4, 2, 40, 64, 1e4f, 1e-5f, false, 1, 2)));
    }

    @Test
    void rsLoraUsesAlphaOverSqrtRank(@TempDir Path dir) throws Exception {
        TestModels.randomLora(cfg, 4, 2).toAdapter("r").save(dir, "tiny");
        Path c = dir.resolve("adapter_config.json");
        Files.writeString(c, Files.readString(c).replace("\"r\" : 4", "\"r\" : 4, \"use_rslora\" : true"));
        assertEquals(8f / 2f, LoraAdapter.load(dir, cfg).scale());
    }

    @Test
    void badAdaptersFailNamingTheFieldOrTensor(@TempDir Path dir) throws Exception {
        TestModels.randomLora(cfg, 2, 3).toAdapter("r").save(dir, "tiny");
        Path c = dir.resolve("adapter_config.json");
        String good = Files.readString(c);
        Files.writeString(c, good.replace("\"r\" : 2", "\"r\" : 3"));
        assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.load(dir, cfg)).getMessage().contains("expected [3, 16]"));
        Files.writeString(c, good.replace("\"r\" : 2", "\"r\" : \"two\""));
        assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.load(dir, cfg)).getMessage().contains("'r'"));
        Files.writeString(c, good.replace("\"bias\" : \"none\"", "\"bias\" : \"all\""));
        assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.load(dir, cfg)).getMessage().contains("bias=all"));
        Files.writeString(c, good);
        ModelConfig otherBase = new ModelConfig(16, 24, 1, 4, 2, 40, 64, 1e4f, 1e-5f, false, 1, 2);
        assertTrue(assertThrows(ModelFormatException.class, () -> LoraAdapter.load(dir, otherBase)).getMessage().contains("targets no module"));
        Files.delete(dir.resolve("adapter_model.safetensors"));
        assertTrue(assertThrows(RuntimeException.class, () -> LoraAdapter.load(dir, cfg)).getMessage().contains("adapter_model.safetensors"));
    }
}
