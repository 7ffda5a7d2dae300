package dev.flywheel.engine.tokenizer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pieces before BPE, as the tokenizer.json pre_tokenizer says: a regex whose matches
 * (and the gaps between them) become pieces ("Isolated" split), optionally after prefixing a space.
 */
public final class PreTokenizer {
    /** GPT-2's split regex, used by a ByteLevel pre-tokenizer with use_regex=true. */
    public static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final Pattern pattern;
    private final boolean addPrefixSpace;

    /** @param regex null for no splitting (the whole text is one piece). */
    public PreTokenizer(String regex, boolean addPrefixSpace) {
        // Hugging Face uses Oniguruma with Unicode classes; Java needs the flag for \s to match U+3000 etc.
        this.pattern = regex == null ? null : Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        this.addPrefixSpace = addPrefixSpace;
    }

    public List<String> split(String text) {
        if (addPrefixSpace && !text.startsWith(" ")) {
            text = " " + text;
        }
        List<String> pieces = new ArrayList<>();
        if (pattern == null) {
            if (!text.isEmpty()) {
                pieces.add(text);
            }
            return pieces;
        }
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                pieces.add(text.substring(last, m.start()));
            }
            if (m.end() > m.start()) {
                pieces.add(m.group());
            }
            last = m.end();
        }
        if (last < text.length()) {
            pieces.add(text.substring(last));
        }
        return pieces;
    }
}
