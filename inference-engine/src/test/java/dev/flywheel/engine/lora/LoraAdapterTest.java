package dev.flywheel.engine.lora;

import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.ModelFormatException;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.model.TestModels;
import dev.flywheel.engine.safetensors.FloatCodec;
import dev.flywheel.kernels.DType;
import dev.flywheel.kernels.Matrix;
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
    void storingAsBf16HalvesTheBytesRoundsEveryWeightAndSavesBackLosslessly(@TempDir Path dir) {
        var params = dev.flywheel.engine.training.LoraParameters.initialize(cfg, 4, 16f,
                EnumSet.of(Projection.Q, Projection.V), new SplittableRandom(3));
        LoraAdapter f32 = params.toAdapter("a");
        // LoRA initialises B to zero; give it values so the rounding shows.
        for (var pair : params.all()) {
            float[] v = pair.value();
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] == 0f ? 0.1f + i * 1e-3f : v[i];
            }
        }
        LoraAdapter bf16 = f32.storedAs(DType.BF16);
        assertEquals(f32.bytes() / 2, bf16.bytes());
        assertEquals(f32.scale(), bf16.scale());
        assertEquals(f32.targets(), bf16.targets());
        for (int l = 0; l < cfg.nLayers(); l++) {
            for (Projection p : f32.targets()) {
                Matrix a = f32.weights(l, p).a();
                Matrix b16 = bf16.weights(l, p).a();
                assertEquals(DType.BF16, b16.dtype());
                for (int r = 0; r < a.rows(); r++) {
                    for (int c = 0; c < a.cols(); c++) {
                        float want = Float.intBitsToFloat((FloatCodec.toBf16(a.get(r, c)) & 0xffff) << 16);
                        assertEquals(want, b16.get(r, c), 0f, "layer " + l + " " + p + " A[" + r + ", " + c + "]");
                        assertEquals(a.get(r, c), b16.get(r, c), Math.abs(a.get(r, c)) / 256f);
                    }
                }
            }
        }
        bf16.save(dir, "tiny");
        LoraAdapter back = LoraAdapter.load(dir, cfg);
        assertEquals(bf16.weights(1, Projection.V).b().get(3, 2), back.weights(1, Projection.V).b().get(3, 2), 0f);
        assertEquals(f32.bytes(), back.bytes(), "load reads float32; the registry stores it as it is configured");
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
