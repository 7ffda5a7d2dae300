package dev.flywheel.ingest.internal;

import dev.flywheel.ingest.batching.RowBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes values in ClickHouse's TabSeparated format straight into a {@link RowBuffer}: strings UTF-8 with
 * {@code \\ \t \n \r \0 \b \f \'} escaped, NULL as {@code \N}, DateTime as unix seconds. Chosen over JSONEachRow
 * because ClickHouse parses it faster and it needs no JSON generator per row (see the report in bench/IngestBench).
 * A lone UTF-16 surrogate becomes '?', exactly as {@link String#getBytes} does.
 */
public final class Tsv {
    private static final byte[] NULL = {'\\', 'N'};

    private Tsv() {}

    public static void tab(RowBuffer out) {
        out.put((byte) '\t');
    }

    public static void newline(RowBuffer out) {
        out.put((byte) '\n');
    }

    public static void nullValue(RowBuffer out) {
        out.put(NULL);
    }

    public static void string(RowBuffer out, String s) {
        int n = s.length();
        out.ensure(n * 3 + 2); // worst case per UTF-16 unit: 3 bytes (a surrogate pair is 2 units for 4 bytes)
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '\\' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) '\\'); }
                    case '\t' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) 't'); }
                    case '\n' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) 'n'); }
                    case '\r' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) 'r'); }
                    case '\0' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) '0'); }
                    case '\b' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) 'b'); }
                    case '\f' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) 'f'); }
                    case '\'' -> { out.putUnchecked((byte) '\\'); out.putUnchecked((byte) '\''); }
                    default -> out.putUnchecked((byte) c);
                }
            } else if (c < 0x800) {
                out.putUnchecked((byte) (0xC0 | (c >> 6)));
                out.putUnchecked((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.putUnchecked((byte) (0xF0 | (cp >> 18)));
                out.putUnchecked((byte) (0x80 | ((cp >> 12) & 0x3F)));
                out.putUnchecked((byte) (0x80 | ((cp >> 6) & 0x3F)));
                out.putUnchecked((byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                out.putUnchecked((byte) '?');
            } else {
                out.putUnchecked((byte) (0xE0 | (c >> 12)));
                out.putUnchecked((byte) (0x80 | ((c >> 6) & 0x3F)));
                out.putUnchecked((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    public static void integer(RowBuffer out, long v) {
        if (v == Long.MIN_VALUE) {
            out.put(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        out.ensure(20);
        if (v < 0) {
            out.putUnchecked((byte) '-');
            v = -v;
        }
        if (v == 0) {
            out.putUnchecked((byte) '0');
            return;
        }
        byte[] digits = new byte[19];
        int d = 0;
        while (v > 0) {
            digits[d++] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        while (d > 0) {
            out.putUnchecked(digits[--d]);
        }
    }

    /** A finite double in Java's shortest round-trip form (ClickHouse reads the exponent form too). */
    public static void decimal(RowBuffer out, double v) {
        String s = Double.toString(v);
        out.ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            out.putUnchecked((byte) s.charAt(i));
        }
    }

    /** A DateTime column from epoch milliseconds (ClickHouse reads unix seconds). */
    public static void dateTime(RowBuffer out, long epochMillis) {
        integer(out, Math.floorDiv(epochMillis, 1000L));
    }
}
