package dev.flywheel.engine.tokenizer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Byte-pair merging of one pre-tokenized piece (already byte-level mapped): start from single chars,
 * repeatedly merge the adjacent pair with the lowest merge rank until none applies.
 */
public final class Bpe {
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final boolean ignoreMerges;

    /** @param ranks key left + '\u0000' + right → rank (lower merges first). */
    public Bpe(Map<String, Integer> vocab, Map<String, Integer> ranks, boolean ignoreMerges) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.ignoreMerges = ignoreMerges;
    }

    public static String pairKey(String left, String right) {
        return left + '\u0000' + right;
    }

    /** Appends the ids of {@code piece} to {@code out}; throws if a resulting symbol is not in the vocab. */
    public void encode(String piece, List<Integer> out) {
        if (piece.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        List<String> symbols = new ArrayList<>(piece.length());
        piece.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        while (symbols.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(pairKey(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.get(best + 1));
            symbols.remove(best + 1);
        }
        for (String s : symbols) {
            Integer id = vocab.get(s);
            if (id == null) {
                throw new IllegalStateException("symbol '" + s + "' produced by BPE is not in the vocabulary");
            }
            out.add(id);
        }
    }
}
