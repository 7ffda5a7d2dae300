package dev.flywheel.engine.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A 128-bit link of the prefix-cache hash chain: {@code h_0 = seed(namespace)},
 * {@code h_i = SHA-256(h_{i-1} || tokens of full block i)} truncated to 128 bits.
 *
 * <p>The namespace names the weights that produced the KV ("base", or an adapter name plus its load
 * generation), so the base model and every adapter live in disjoint key spaces: the same tokens under
 * two adapters never share a key, and a re-loaded adapter never sees KV of its previous weights.
 */
public record PrefixHash(long hi, long lo) {

    /** The root of the chain for one namespace (for example "base" or "adapter:math#3"). */
    public static PrefixHash seed(String namespace) {
        Objects.requireNonNull(namespace, "namespace");
        if (namespace.isEmpty()) {
            throw new IllegalArgumentException("namespace must be non-empty");
        }
        MessageDigest sha = sha256();
        sha.update("flywheel-prefix-v1\0".getBytes(StandardCharsets.UTF_8));
        sha.update(namespace.getBytes(StandardCharsets.UTF_8));
        return of(sha.digest());
    }

    /** The next link: this hash extended by tokens[from, from + length) (one full block). */
    public PrefixHash next(int[] tokens, int from, int length) {
        Objects.checkFromIndexSize(from, length, tokens.length);
        ByteBuffer buf = ByteBuffer.allocate(16 + 4 * length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(hi).putLong(lo);
        for (int i = from; i < from + length; i++) {
            buf.putInt(tokens[i]);
        }
        MessageDigest sha = sha256();
        sha.update(buf.array());
        return of(sha.digest());
    }

    private static PrefixHash of(byte[] digest) {
        ByteBuffer b = ByteBuffer.wrap(digest).order(ByteOrder.LITTLE_ENDIAN);
        return new PrefixHash(b.getLong(), b.getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
