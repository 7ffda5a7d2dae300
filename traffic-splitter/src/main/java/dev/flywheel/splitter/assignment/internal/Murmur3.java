package dev.flywheel.splitter.assignment.internal;

/**
 * MurmurHash3 x86_32 of {@code utf8(prefix) + ':' + utf8(key)} computed straight from the chars, without building the
 * string or its byte array (the assignment hot path: no allocation). Must equal
 * {@link Murmur3Reference#hash32}{@code (utf8(prefix + ":" + key), 0)} bit for bit; unpaired surrogates are encoded
 * as '?' exactly as {@link String#getBytes(java.nio.charset.Charset)} does with UTF-8.
 * Not thread-safe: one instance per thread (it holds the running state).
 */
public final class Murmur3 {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private int h1;
    private int acc;
    private int accBytes;
    private int length;

    public int hash(String prefix, String key) {
        h1 = 0;
        acc = 0;
        accBytes = 0;
        length = 0;
        feed(prefix);
        put(':');
        feed(key);
        return finish();
    }

    private void feed(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (accBytes == 0 && i + 4 <= n) {
                char c1 = s.charAt(i + 1);
                char c2 = s.charAt(i + 2);
                char c3 = s.charAt(i + 3);
                if ((c | c1 | c2 | c3) < 0x80) {
                    block(c | c1 << 8 | c2 << 16 | c3 << 24);
                    length += 4;
                    i += 4;
                    continue;
                }
            }
            if (c < 0x80) {
                put(c);
            } else if (c < 0x800) {
                put(0xc0 | c >> 6);
                put(0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(i + 1));
                put(0xf0 | cp >> 18);
                put(0x80 | (cp >> 12 & 0x3f));
                put(0x80 | (cp >> 6 & 0x3f));
                put(0x80 | (cp & 0x3f));
                i++;
            } else if (Character.isSurrogate(c)) {
                put('?');
            } else {
                put(0xe0 | c >> 12);
                put(0x80 | (c >> 6 & 0x3f));
                put(0x80 | (c & 0x3f));
            }
            i++;
        }
    }

    private void put(int b) {
        acc |= (b & 0xff) << (accBytes << 3);
        length++;
        if (++accBytes == 4) {
            block(acc);
            acc = 0;
            accBytes = 0;
        }
    }

    private void block(int k1) {
        k1 *= C1;
        k1 = Integer.rotateLeft(k1, 15);
        k1 *= C2;
        h1 ^= k1;
        h1 = Integer.rotateLeft(h1, 13);
        h1 = h1 * 5 + 0xe6546b64;
    }

    private int finish() {
        if (accBytes > 0) {
            int k1 = acc;
            k1 *= C1;
            k1 = Integer.rotateLeft(k1, 15);
            k1 *= C2;
            h1 ^= k1;
        }
        h1 ^= length;
        return Murmur3Reference.fmix32(h1);
    }
}
