package dev.flywheel.retrain.dataset;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deduplicates prompts, caps the count and splits train / holdout by a stable hash: the first 8 bytes of
 * SHA-256(prompt text) as an unsigned number mod 100 < holdoutPercent → holdout. The same prompt lands on the same
 * side in every run, so a prompt held out once is never trained on later.
 */
public final class Splitter {
    private Splitter() {}

    public static boolean heldOut(String prompt, int holdoutPercent) {
        byte[] h = sha256(prompt);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return Long.remainderUnsigned(v, 100) < holdoutPercent;
    }

    /**
     * Keeps the first item of each distinct prompt (callers pass newest first), at most {@code cap} of them,
     * sorted by prompt hash so the result does not depend on arrival order; then splits.
     */
    public static DatasetSnapshot snapshot(Collection<DatasetItem> items, int cap, int holdoutPercent, long createdAtMs) {
        Map<String, DatasetItem> distinct = new LinkedHashMap<>();
        for (DatasetItem item : items) {
            if (distinct.size() >= cap) {
                break;
            }
            distinct.putIfAbsent(item.prompt(), item);
        }
        List<DatasetItem> sorted = new ArrayList<>(distinct.values());
        sorted.sort((a, b) -> HexFormat.of().formatHex(sha256(a.prompt())).compareTo(HexFormat.of().formatHex(sha256(b.prompt()))));
        List<DatasetItem> train = new ArrayList<>();
        List<DatasetItem> holdout = new ArrayList<>();
        MessageDigest content = digest();
        for (DatasetItem item : sorted) {
            (heldOut(item.prompt(), holdoutPercent) ? holdout : train).add(item);
            content.update(item.prompt().getBytes(StandardCharsets.UTF_8));
            content.update((byte) 0);
            content.update(String.valueOf(item.reference()).getBytes(StandardCharsets.UTF_8));
            content.update((byte) 1);
        }
        String id = "ds-" + HexFormat.of().formatHex(content.digest()).substring(0, 16);
        return new DatasetSnapshot(id, createdAtMs, train, holdout);
    }

    private static byte[] sha256(String s) {
        return digest().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
