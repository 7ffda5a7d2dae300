package dev.flywheel.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.engine.model.ModelFormatException;
import dev.flywheel.engine.tokenizer.internal.Bpe;
import dev.flywheel.engine.tokenizer.internal.ByteLevel;
import dev.flywheel.engine.tokenizer.internal.PreTokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE tokenizer from a Hugging Face tokenizer.json (GPT-2, Llama 3, Qwen2 style):
 * added tokens are split out first, then an optional NFC normalizer, a regex pre-tokenizer, GPT-2's
 * byte-to-unicode mapping and merges by rank. {@link #encode} adds no BOS/EOS (chat templates and
 * callers do). Immutable and thread-safe.
 */
public final class Tokenizer {
    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final boolean[] special;
    private final Map<String, Integer> addedTokens;
    private final Pattern addedPattern;
    private final boolean nfc;
    private final PreTokenizer preTokenizer;
    private final Bpe bpe;
    private final ByteLevel byteLevel = new ByteLevel();

    private Tokenizer(Map<String, Integer> vocab, Map<String, Integer> addedTokens, Map<String, Boolean> addedSpecial,
                      boolean nfc, PreTokenizer preTokenizer, Bpe bpe) {
        this.vocab = vocab;
        this.addedTokens = addedTokens;
        this.nfc = nfc;
        this.preTokenizer = preTokenizer;
        this.bpe = bpe;
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (int id : addedTokens.values()) {
            size = Math.max(size, id + 1);
        }
        this.idToToken = new String[size];
        this.special = new boolean[size];
        vocab.forEach((tok, id) -> idToToken[id] = tok);
        addedTokens.forEach((tok, id) -> {
            idToToken[id] = tok;
            special[id] = addedSpecial.get(tok);
        });
        // Longest first, so "<|im_start|>" wins over a shorter added token that is its prefix.
        this.addedPattern = addedTokens.isEmpty() ? null : Pattern.compile(addedTokens.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow());
    }

    /** Reads tokenizer.json; anything but a byte-level BPE model fails with a message naming the field. */
    public static Tokenizer load(Path tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(tokenizerJson));
        } catch (IOException e) {
            throw new ModelFormatException(tokenizerJson, "cannot read tokenizer: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(tokenizerJson, "tokenizer.json must be a JSON object");
        }
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE") || !model.has("vocab")) {
            throw new ModelFormatException(tokenizerJson, "unsupported model.type " + type + " (only byte-level BPE is supported)");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new ModelFormatException(tokenizerJson, "model.byte_fallback=true (SentencePiece-style BPE) is not supported");
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.get("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        JsonNode merges = model.path("merges");
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            String left;
            String right;
            if (m.isArray() && m.size() == 2) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                String[] parts = m.asText().split(" ", -1);
                if (parts.length != 2) {
                    throw new ModelFormatException(tokenizerJson, "model.merges[" + i + "] must be \"left right\", got " + m);
                }
                left = parts[0];
                right = parts[1];
            }
            ranks.putIfAbsent(Bpe.pairKey(left, right), i);
        }
        Map<String, Integer> added = new HashMap<>();
        Map<String, Boolean> addedSpecial = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            if (content.isEmpty() || !t.path("id").isIntegralNumber()) {
                throw new ModelFormatException(tokenizerJson, "added_tokens entries need a non-empty 'content' and an integer 'id', got " + t);
            }
            added.put(content, t.get("id").asInt());
            addedSpecial.put(content, t.path("special").asBoolean(false));
        }
        return new Tokenizer(vocab, added, addedSpecial, normalizer(tokenizerJson, root.get("normalizer")),
                preTokenizer(tokenizerJson, root.get("pre_tokenizer")),
                new Bpe(vocab, ranks, model.path("ignore_merges").asBoolean(false)));
    }

    private static boolean normalizer(Path file, JsonNode n) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (n.path("type").asText().equals("NFC")) {
            return true;
        }
        throw new ModelFormatException(file, "unsupported normalizer " + n.path("type").asText() + " (supported: none, NFC)");
    }

    private static PreTokenizer preTokenizer(Path file, JsonNode n) {
        if (n == null || n.isNull()) {
            return new PreTokenizer(null, false);
        }
        String type = n.path("type").asText();
        if (type.equals("ByteLevel")) {
            return new PreTokenizer(n.path("use_regex").asBoolean(true) ? PreTokenizer.GPT2_PATTERN : null,
                    n.path("add_prefix_space").asBoolean(false));
        }
        if (type.equals("Sequence")) {
            JsonNode steps = n.path("pretokenizers");
            String regex = null;
            boolean prefixSpace = false;
            for (JsonNode step : steps) {
                String stepType = step.path("type").asText();
                if (stepType.equals("Split") && regex == null && step.path("pattern").has("Regex")
                        && step.path("behavior").asText().equals("Isolated") && !step.path("invert").asBoolean(false)) {
                    regex = step.path("pattern").get("Regex").asText();
                } else if (stepType.equals("ByteLevel")) {
                    if (step.path("use_regex").asBoolean(true)) {
                        if (regex != null) {
                            throw new ModelFormatException(file, "pre_tokenizer: a Split followed by a ByteLevel with use_regex=true is not supported");
                        }
                        regex = PreTokenizer.GPT2_PATTERN;
                    }
                    prefixSpace = step.path("add_prefix_space").asBoolean(false);
                } else {
                    throw new ModelFormatException(file, "unsupported pre_tokenizer step " + step
                            + " (supported: Split with a Regex and Isolated behaviour, ByteLevel)");
                }
            }
            return new PreTokenizer(regex, prefixSpace);
        }
        throw new ModelFormatException(file, "unsupported pre_tokenizer type " + type + " (supported: ByteLevel, Sequence)");
    }

    /** Token ids of {@code text}; added/special tokens written literally in the text map to their ids. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        if (addedPattern == null) {
            encodeOrdinary(text, out);
        } else {
            Matcher m = addedPattern.matcher(text);
            int last = 0;
            while (m.find()) {
                encodeOrdinary(text.substring(last, m.start()), out);
                out.add(addedTokens.get(m.group()));
                last = m.end();
            }
            encodeOrdinary(text.substring(last), out);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeOrdinary(String text, List<Integer> out) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = nfc ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        for (String piece : preTokenizer.split(normalized)) {
            bpe.encode(byteLevel.encode(piece.getBytes(StandardCharsets.UTF_8)), out);
        }
    }

    /** The text of {@code ids}, special tokens included; invalid UTF-8 becomes U+FFFD. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    public String decode(int[] ids, boolean skipSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (skipSpecial && isSpecial(id)) {
                continue;
            }
            bytes.writeBytes(tokenBytes(id));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * The raw bytes one token stands for (UTF-8 of the content for added tokens). A character may span
     * tokens, so streaming callers should buffer bytes until they form complete UTF-8.
     */
    public byte[] tokenBytes(int id) {
        String tok = token(id);
        if (addedTokens.containsKey(tok) && addedTokens.get(tok) == id) {
            return tok.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[tok.length()];
        for (int i = 0; i < tok.length(); i++) {
            int b = byteLevel.byteOf(tok.charAt(i));
            if (b < 0) {
                throw new IllegalStateException("token " + id + " '" + tok + "' is not byte-level encoded");
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** The vocabulary string of {@code id} (byte-level mapped for ordinary tokens). */
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (size " + idToToken.length + ")");
        }
        return idToToken[id];
    }

    /** The id of an added or vocabulary token written exactly as {@code content}, e.g. "<|eos|>". */
    public OptionalInt tokenId(String content) {
        Integer id = addedTokens.get(content);
        if (id == null) {
            id = vocab.get(content);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** One past the largest id (vocabulary plus added tokens). */
    public int vocabSize() { return idToToken.length; }
}
