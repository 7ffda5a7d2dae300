package dev.flywheel.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.engine.model.ModelFormatException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden vectors produced by Hugging Face's own tokenizer implementation (@huggingface/tokenizers
 * 0.2.0, the pure-JS port of the Rust crate) for three tokenizer.json files: GPT-2 style (ByteLevel
 * regex), Llama 3 style (Split regex + ByteLevel, ignore_merges, NFC) and the shipped model's.
 */
class TokenizerTest {
    private static final Path DIR = Path.of("src/test/resources/tokenizer");

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-style", "llama3-style", "shipped"})
    void encodingMatchesHuggingFaceGoldenVectorsAndDecodesBack(String name) throws Exception {
        Tokenizer tok = Tokenizer.load(DIR.resolve(name + ".tokenizer.json"));
        List<String> lines = Files.readAllLines(DIR.resolve(name + ".golden.jsonl"));
        assertTrue(lines.size() >= 20);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            String text = n.get("text").asText();
            int[] expected = new int[n.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = n.get("ids").get(i).asInt();
            }
            int[] ids = tok.encode(text);
            assertArrayEquals(expected, ids, name + ": " + json.writeValueAsString(text));
            String roundTrip = name.startsWith("llama3") ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
            assertEquals(roundTrip, tok.decode(ids), name + " decode of " + json.writeValueAsString(text));
        }
    }

    @Test
    void specialTokensAreSplitOutAndCanBeSkippedWhenDecoding() {
        Tokenizer tok = Tokenizer.load(DIR.resolve("gpt2-style.tokenizer.json"));
        int eot = tok.tokenId("<|endoftext|>").orElseThrow();
        int[] ids = tok.encode("<|endoftext|>the");
        assertEquals(eot, ids[0]);
        assertTrue(tok.isSpecial(eot));
        assertEquals("the", tok.decode(ids, true));
        assertEquals("<|endoftext|>the", tok.decode(ids));
    }

    @Test
    void aCharacterSplitAcrossTokensDecodesOnlyWhenComplete() {
        Tokenizer tok = Tokenizer.load(DIR.resolve("shipped.tokenizer.json"));
        int[] ids = tok.encode("😀");
        assertEquals(4, ids.length);
        assertEquals("\uFFFD", tok.decode(new int[] {ids[0]}));
        byte[] all = new byte[0];
        for (int id : ids) {
            byte[] b = tok.tokenBytes(id);
            byte[] joined = java.util.Arrays.copyOf(all, all.length + b.length);
            System.arraycopy(b, 0, joined, all.length, b.length);
            all = joined;
        }
        assertEquals("😀", new String(all, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void unknownIdsAndUnsupportedTokenizersFailClearly(@TempDir Path dir) throws Exception {
        Tokenizer tok = Tokenizer.load(DIR.resolve("shipped.tokenizer.json"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {9999})).getMessage().contains("9999"));
        Path wordPiece = dir.resolve("tokenizer.json");
        Files.writeString(wordPiece, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> Tokenizer.load(wordPiece)).getMessage().contains("WordPiece"));
        Files.writeString(wordPiece, "{\"pre_tokenizer\":{\"type\":\"Metaspace\"},\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> Tokenizer.load(wordPiece)).getMessage().contains("Metaspace"));
        Files.writeString(wordPiece, "{\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{},\"merges\":[]}}");
        assertTrue(assertThrows(ModelFormatException.class, () -> Tokenizer.load(wordPiece)).getMessage().contains("byte_fallback"));
    }

    @Test
    void hugeInputWithoutSpacesStillEncodesAndRoundTrips() {
        Tokenizer tok = Tokenizer.load(DIR.resolve("gpt2-style.tokenizer.json"));
        String text = "hello".repeat(400);
        assertEquals(text, tok.decode(tok.encode(text)));
    }
}
