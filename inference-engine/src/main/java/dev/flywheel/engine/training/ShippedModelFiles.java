package dev.flywheel.engine.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.tokenizer.internal.ByteLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenizer files of the shipped model: a byte-level BPE with the 256 byte tokens (id = byte
 * value) and no merges, so digits are single tokens, plus the special tokens BOS and EOS. The chat
 * template renders BOS followed by the user messages' text: the model only knows "a+b=" prompts.
 */
public final class ShippedModelFiles {
    public static final String BOS = "<|bos|>";
    public static final String EOS = "<|eos|>";
    public static final int BOS_ID = 256;
    public static final int EOS_ID = 257;
    public static final int VOCAB_SIZE = 258;
    public static final String CHAT_TEMPLATE =
            "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ message['content'] }}{% endif %}{% endfor %}";

    private ShippedModelFiles() {}

    public static void writeTokenizer(Path dir) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        addSpecial(added, BOS_ID, BOS);
        addSpecial(added, EOS_ID, EOS);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        ByteLevel bl = new ByteLevel();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(bl.charOf(b)), b);
        }
        model.putArray("merges");

        ObjectNode cfg = json.createObjectNode();
        cfg.put("bos_token", BOS);
        cfg.put("eos_token", EOS);
        cfg.put("add_bos_token", false);
        cfg.put("model_max_length", 64);
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("chat_template", CHAT_TEMPLATE);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tokenizer.json"), root.toPrettyString() + "\n");
            Files.writeString(dir.resolve("tokenizer_config.json"), cfg.toPrettyString() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer files to " + dir, e);
        }
    }

    private static void addSpecial(ArrayNode added, int id, String content) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }
}
