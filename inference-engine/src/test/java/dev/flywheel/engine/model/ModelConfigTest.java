package dev.flywheel.engine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    private static Path write(Path dir, String json) throws Exception {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void readsALlama3StyleConfigWithGqaAndAListOfEosIds(@TempDir Path dir) throws Exception {
        ModelConfig c = ModelConfig.read(write(dir, """
                {"architectures":["LlamaForCausalLM"],"hidden_size":288,"intermediate_size":768,"num_hidden_layers":6,
                 "num_attention_heads":6,"num_key_value_heads":2,"vocab_size":32000,"max_position_embeddings":256,
                 "rope_theta":500000.0,"rms_norm_eps":1e-5,"tie_word_embeddings":true,"bos_token_id":1,
                 "eos_token_id":[2,7],"torch_dtype":"bfloat16","rope_scaling":null}"""));
        assertEquals(48, c.headDim());
        assertEquals(96, c.kvDim());
        assertEquals(500000f, c.ropeTheta());
        assertEquals(2, c.eosToken());
        assertTrue(c.tiedEmbeddings());
    }

    @Test
    void defaultsKvHeadsToHeadsAndThetaTo10000(@TempDir Path dir) throws Exception {
        ModelConfig c = ModelConfig.read(write(dir, """
                {"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,
                 "num_attention_heads":4,"vocab_size":10}"""));
        assertEquals(4, c.nKvHeads());
        assertEquals(10000f, c.ropeTheta());
        assertEquals(-1, c.bosToken());
    }

    @Test
    void unsupportedArchitecturesAndFieldsFailNamingThem(@TempDir Path dir) throws Exception {
        String base = "\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":10";
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(write(dir,
                "{\"architectures\":[\"MistralForCausalLM\"]," + base + "}"))).getMessage().contains("MistralForCausalLM"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(write(dir,
                "{\"architectures\":[\"LlamaForCausalLM\"],\"torch_dtype\":\"int8\"," + base + "}"))).getMessage().contains("int8"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(write(dir,
                "{\"architectures\":[\"LlamaForCausalLM\"],\"rope_scaling\":{\"rope_type\":\"llama3\"}," + base + "}"))).getMessage().contains("rope_scaling"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(write(dir,
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":\"64\"}"))).getMessage().contains("'hidden_size'"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(write(dir,
                "{\"architectures\":[\"LlamaForCausalLM\"],\"num_key_value_heads\":3," + base + "}"))).getMessage().contains("nKvHeads"));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelConfig.read(dir.resolve("absent.json"))).getMessage().contains("absent.json"));
    }
}
