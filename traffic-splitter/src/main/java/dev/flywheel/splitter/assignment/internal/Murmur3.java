package dev.flywheel.splitter.assignment.internal;

import java.nio.charset.StandardCharsets;

/**
 * MurmurHash3 x86_32 (seed 0) of {@code utf8(prefix) + ':' + utf8(key)}, split so the hot path does no allocation and
 * no redundant work: {@link #prefix} hashes the salt and the colon once (at table build time) into a {@link Prefix};
 * {@link #hash(Prefix, String)} continues from it over the key's chars, encoding UTF-8 inline (no {@code getBytes}),
 * four ASCII chars per block when it can. Must equal {@link Murmur3Reference#hash32}{@code (utf8(prefix + ":" + key), 0)}
 * bit for bit; unpaired surrogates are encoded as '?' exactly as {@link String#getBytes(java.nio.charset.Charset)} does.
 * Stateless and thread-safe.
 */
public final class Murmur3 {
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private Murmur3() {}

    /**
     * The hash state after {@code utf8(prefix) + ':'}: {@code h1} over the whole 4-byte blocks, the {@code pending}
     * 0–3 bytes of the unfinished block (little-endian, low byte first) and the total byte count so far.
     */
    public record Prefix(int h1, int pending, int pendingBytes, int length) {
        public Prefix {
            if (pendingBytes < 0 || pendingBytes > 3) {
                throw new IllegalArgumentException("pendingBytes must be in [0, 3], got " + pendingBytes);
            }
        }
    }

    /** Hashes {@code utf8(prefix) + ':'} once; the result is reused for every key. Allocates (build time only). */
    public static Prefix prefix(String prefix) {
        byte[] b = (prefix + ":").getBytes(StandardCharsets.UTF_8);
        int h1 = 0;
        int blocks = b.length >>> 2;
        for (int i = 0; i < blocks; i++) {
            int j = i << 2;
            h1 = mix(h1, (b[j] & 0xff) | (b[j + 1] & 0xff) << 8 | (b[j + 2] & 0xff) << 16 | (b[j + 3] & 0xff) << 24);
        }
        int pending = 0;
        int rest = b.length & 3;
        for (int k = 0; k < rest; k++) {
            pending |= (b[(blocks << 2) + k] & 0xff) << (k << 3);
        }
        return new Prefix(h1, pending, rest, b.length);
    }

    /** Convenience for tests and cold paths: {@code hash(prefix(prefix), key)}. */
    public static int hash(String prefix, String key) {
        return hash(prefix(prefix), key);
    }

    /** The hash of {@code utf8(prefix) + ':' + utf8(key)}, continuing from the prefix state. No allocation. */
    public static int hash(Prefix p, String key) {
        int h1 = p.h1();
        int acc = p.pending();
        int accBytes = p.pendingBytes();
        int length = p.length();
        int n = key.length();
        int i = 0;
        while (i < n) {
            if (i + 4 <= n) {
                char c0 = key.charAt(i);
                char c1 = key.charAt(i + 1);
                char c2 = key.charAt(i + 2);
                char c3 = key.charAt(i + 3);
                if ((c0 | c1 | c2 | c3) < 0x80) { // four ASCII chars = four bytes = one block's worth
                    int w = c0 | c1 << 8 | c2 << 16 | c3 << 24;
                    if (accBytes == 0) {
                        h1 = mix(h1, w);
                    } else {
                        int s = accBytes << 3;
                        h1 = mix(h1, acc | w << s);
                        acc = w >>> (32 - s);
                    }
                    length += 4;
                    i += 4;
                    continue;
                }
            }
            // One char (or surrogate pair) as 1–4 UTF-8 bytes packed little-endian into enc.
            char c = key.charAt(i++);
            int enc;
            int k;
            if (c < 0x80) {
                enc = c;
                k = 1;
            } else if (c < 0x800) {
                enc = (0xc0 | c >> 6) | (0x80 | (c & 0x3f)) << 8;
                k = 2;
            } else if (Character.isHighSurrogate(c) && i < n && Character.isLowSurrogate(key.charAt(i))) {
                int cp = Character.toCodePoint(c, key.charAt(i++));
                enc = (0xf0 | cp >> 18) | (0x80 | (cp >> 12 & 0x3f)) << 8 | (0x80 | (cp >> 6 & 0x3f)) << 16 | (0x80 | (cp & 0x3f)) << 24;
                k = 4;
            } else if (Character.isSurrogate(c)) {
                enc = '?';
                k = 1;
            } else {
                enc = (0xe0 | c >> 12) | (0x80 | (c >> 6 & 0x3f)) << 8 | (0x80 | (c & 0x3f)) << 16;
                k = 3;
            }
            length += k;
            int s = accBytes << 3;
            int total = accBytes + k;
            if (total < 4) {
                acc |= enc << s;
                accBytes = total;
            } else {
                h1 = mix(h1, acc | enc << s);
                acc = s == 0 ? 0 : enc >>> (32 - s); // the bytes of enc that did not fit the block
                accBytes = total - 4;
            }
        }
        if (accBytes > 0) {
            int k1 = acc * C1;
            k1 = Integer.rotateLeft(k1, 15);
            h1 ^= k1 * C2;
        }
        return Murmur3Reference.fmix32(h1 ^ length);
    }

    private static int mix(int h1, int k1) {
        k1 *= C1;
        k1 = Integer.rotateLeft(k1, 15);
        k1 *= C2;
        h1 ^= k1;
        h1 = Integer.rotateLeft(h1, 13);
        return h1 * 5 + 0xe6546b64;
    }
}
