package dev.flywheel.ingest.internal;

import dev.flywheel.ingest.batching.RowBuffer;

/**
 * The one-pass decoders' string writers: a range of UTF-16 chars (as Jackson's parser holds a string value) written
 * as a TabSeparated field, either as is ({@link #string}: the same bytes as {@link Tsv#string} of that text) or as a
 * JSON string literal inside the field ({@link #jsonString}: the same bytes as {@link Tsv#string} of
 * {@link JsonText#string}'s output). Both keep the write position in a local variable over {@link RowBuffer#array()}
 * (the reference writers go through the buffer per byte). Pinned against the reference writers by
 * {@code StreamingRowsTest}.
 */
final class TsvChars {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

    private TsvChars() {}

    /** {@code s[off, off + len)} TSV-escaped, UTF-8 (a lone surrogate becomes '?', like {@link Tsv#string}). */
    static void string(RowBuffer out, char[] s, int off, int len) {
        chars(out, s, off, len, false);
    }

    /**
     * {@code s[off, off + len)} as a JSON string literal (quotes included; {@code "} and {@code \} escaped, control
     * characters as {@code \b \t \n \f \r} or a unicode escape, as {@link JsonText#string}), then TSV-escaped.
     */
    static void jsonString(RowBuffer out, char[] s, int off, int len) {
        chars(out, s, off, len, true);
    }

    /** The loop of {@link #string} and {@link #jsonString}: they differ only in the quotes and the ASCII escapes. */
    private static void chars(RowBuffer out, char[] s, int off, int len, boolean json) {
        // at most 3 bytes per UTF-16 unit as TSV (an escape is 2, a surrogate pair 4 for 2 units); as JSON, a control
        // character is 6 chars of JSON, 7 bytes once its '\' is escaped, plus the two quotes
        out.ensure(json ? len * 7 + 2 : len * 3);
        byte[] a = out.array();
        int pos = out.size();
        if (json) {
            a[pos++] = '"';
        }
        int end = off + len;
        for (int i = off; i < end; i++) {
            char c = s[i];
            if (c < 0x80) {
                if (c > '\'' && c != '\\') {
                    a[pos++] = (byte) c;
                } else {
                    pos = json ? jsonAscii(a, pos, c) : tsvAscii(a, pos, c);
                }
            } else {
                pos = nonAscii(a, pos, s, i, end);
                if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
                    i++;
                }
            }
        }
        if (json) {
            a[pos++] = '"';
        }
        out.setSize(pos);
    }

    /** An ASCII char up to {@code '} or a backslash, TSV-escaped as {@link Tsv#string} does; returns the new position. */
    private static int tsvAscii(byte[] a, int pos, char c) {
        byte escape = switch (c) {
            case '\\' -> '\\';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\0' -> '0';
            case '\b' -> 'b';
            case '\f' -> 'f';
            case '\'' -> '\'';
            default -> 0;
        };
        if (escape != 0) {
            a[pos++] = '\\';
            a[pos++] = escape;
        } else {
            a[pos++] = (byte) c;
        }
        return pos;
    }

    /** Like {@link #tsvAscii}, JSON-escaped first (as {@link JsonText#string} does), then TSV-escaped. */
    private static int jsonAscii(byte[] a, int pos, char c) {
        switch (c) {
            case '"' -> { a[pos++] = '\\'; a[pos++] = '\\'; a[pos++] = '"'; }
            case '\\' -> { a[pos++] = '\\'; a[pos++] = '\\'; a[pos++] = '\\'; a[pos++] = '\\'; }
            case '\'' -> { a[pos++] = '\\'; a[pos++] = '\''; }
            case '\b' -> pos = controlEscape(a, pos, 'b');
            case '\t' -> pos = controlEscape(a, pos, 't');
            case '\n' -> pos = controlEscape(a, pos, 'n');
            case '\f' -> pos = controlEscape(a, pos, 'f');
            case '\r' -> pos = controlEscape(a, pos, 'r');
            default -> {
                if (c < 0x20) {
                    a[pos++] = '\\'; a[pos++] = '\\'; a[pos++] = 'u'; a[pos++] = '0'; a[pos++] = '0';
                    a[pos++] = HEX[c >> 4];
                    a[pos++] = HEX[c & 0xF];
                } else {
                    a[pos++] = (byte) c;
                }
            }
        }
        return pos;
    }

    /**
     * Plain printable ASCII bytes {@code in[start, end)} (no control byte, no backslash, no quote, nothing over 0x7F:
     * see {@link JsonStream#plainSpan}) as a TSV field: chars and bytes coincide, only {@code '} needs an escape.
     */
    static void plain(RowBuffer out, byte[] in, int start, int end) {
        out.ensure(2 * (end - start));
        byte[] a = out.array();
        int pos = out.size();
        for (int i = start; i < end; i++) {
            byte b = in[i];
            if (b == '\'') {
                a[pos++] = '\\';
            }
            a[pos++] = b;
        }
        out.setSize(pos);
    }

    /** Like {@link #plain}, as a JSON string literal (the same bytes as {@link #jsonString} of those chars). */
    static void plainJson(RowBuffer out, byte[] in, int start, int end) {
        out.put((byte) '"');
        plain(out, in, start, end);
        out.put((byte) '"');
    }

    static void jsonString(RowBuffer out, String s) {
        jsonString(out, s.toCharArray(), 0, s.length());
    }

    /** JSON's two-character escape of a control character ({@code \n}), whose backslash TSV escapes again. */
    private static int controlEscape(byte[] a, int pos, char letter) {
        a[pos++] = '\\';
        a[pos++] = '\\';
        a[pos++] = (byte) letter;
        return pos;
    }

    /** UTF-8 of the non-ASCII char at {@code s[i]} (with its low surrogate when it starts a pair); returns the new position. */
    private static int nonAscii(byte[] a, int pos, char[] s, int i, int end) {
        char c = s[i];
        if (c < 0x800) {
            a[pos++] = (byte) (0xC0 | (c >> 6));
            a[pos++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
            int cp = Character.toCodePoint(c, s[i + 1]);
            a[pos++] = (byte) (0xF0 | (cp >> 18));
            a[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
            a[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
            a[pos++] = (byte) (0x80 | (cp & 0x3F));
        } else if (Character.isSurrogate(c)) {
            a[pos++] = '?';
        } else {
            a[pos++] = (byte) (0xE0 | (c >> 12));
            a[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
            a[pos++] = (byte) (0x80 | (c & 0x3F));
        }
        return pos;
    }
}
