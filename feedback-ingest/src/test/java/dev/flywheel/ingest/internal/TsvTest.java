package dev.flywheel.ingest.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.ingest.batching.RowBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TsvTest {

    /** The scalar reference: escape with String.replace, then the JDK's UTF-8 encoder. */
    private static byte[] reference(String s) {
        String escaped = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\0", "\\0").replace("\b", "\\b").replace("\f", "\\f").replace("'", "\\'");
        return escaped.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] fast(String s) {
        RowBuffer b = new RowBuffer();
        Tsv.string(b, s);
        return Arrays.copyOf(b.array(), b.size());
    }

    @Test
    void stringEncodingMatchesTheReferenceOnNastyText() {
        for (String s : new String[] {"", "plain", "tab\there", "new\nline\r\n", "back\\slash", "quote's", "nul\0byte",
                "\b\f", "üñíçødé", "emoji 😀 pair", "lone \uD800 high", "lone \uDC00 low", "ends high \uD83D", "中文字符"}) {
            assertArrayEquals(reference(s), fast(s), () -> "for " + s);
        }
    }

    @Test
    void stringEncodingMatchesTheReferenceOnRandomUtf16() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 2000; i++) {
            char[] chars = new char[random.nextInt(0, 64)];
            for (int c = 0; c < chars.length; c++) {
                chars[c] = switch (random.nextInt(4)) {
                    case 0 -> (char) random.nextInt(0, 0x80);
                    case 1 -> (char) random.nextInt(0x80, 0x800);
                    case 2 -> (char) random.nextInt(0xD800, 0xE000); // surrogates, paired or not
                    default -> (char) random.nextInt(0x800, 0x10000);
                };
            }
            String s = new String(chars);
            assertArrayEquals(reference(s), fast(s), () -> "for " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }

    @Test
    void integersAndDatesAreWrittenAsClickHouseReadsThem() {
        RowBuffer b = new RowBuffer();
        Tsv.integer(b, 0); Tsv.tab(b);
        Tsv.integer(b, -1234567890123L); Tsv.tab(b);
        Tsv.integer(b, Long.MAX_VALUE); Tsv.tab(b);
        Tsv.integer(b, Long.MIN_VALUE); Tsv.tab(b);
        Tsv.dateTime(b, 1_700_000_000_999L); Tsv.tab(b);
        Tsv.nullValue(b);
        assertEquals("0\t-1234567890123\t9223372036854775807\t-9223372036854775808\t1700000000\t\\N",
                new String(b.array(), 0, b.size(), StandardCharsets.UTF_8));
    }
}
