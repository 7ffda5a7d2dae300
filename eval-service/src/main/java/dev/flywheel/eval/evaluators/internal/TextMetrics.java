package dev.flywheel.eval.evaluators.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Similarity metrics over text, all in [0, 1]. Edit distance runs over Unicode code points (an emoji is one
 * character); tokens are maximal runs of letters or digits (any script), lower-cased. The quadratic metrics refuse
 * inputs whose DP table would exceed {@link #MAX_CELLS} cells rather than stall a scoring thread.
 */
final class TextMetrics {
    /** 50M cells: about 0.2 s of work, beyond which a metric reports an error instead of blocking. */
    static final long MAX_CELLS = 50_000_000L;

    private TextMetrics() {}

    /** 1 - levenshtein / max(len); two empty strings are identical (1.0). */
    static double editSimilarity(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int max = Math.max(x.length, y.length);
        if (max == 0) {
            return 1.0;
        }
        return 1.0 - (double) levenshtein(x, y) / max;
    }

    static int levenshtein(int[] x, int[] y) {
        if ((long) x.length * y.length > MAX_CELLS) {
            throw new MetricTooLargeException("edit distance over " + x.length + " x " + y.length + " characters exceeds "
                    + MAX_CELLS + " cells");
        }
        int[] prev = new int[y.length + 1];
        int[] cur = new int[y.length + 1];
        for (int j = 0; j <= y.length; j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= x.length; i++) {
            cur[0] = i;
            int xi = x[i - 1];
            for (int j = 1; j <= y.length; j++) {
                int sub = prev[j - 1] + (xi == y[j - 1] ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[y.length];
    }

    /** Lower-cased runs of letters/digits. */
    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp)) {
                cur.appendCodePoint(cp);
            } else if (!cur.isEmpty()) {
                out.add(cur.toString().toLowerCase(Locale.ROOT));
                cur.setLength(0);
            }
        });
        if (!cur.isEmpty()) {
            out.add(cur.toString().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** Precision, recall and F1 of the token multisets; both empty is a perfect match. */
    static double[] tokenF1(List<String> candidate, List<String> reference) {
        if (candidate.isEmpty() && reference.isEmpty()) {
            return new double[] {1, 1, 1};
        }
        if (candidate.isEmpty() || reference.isEmpty()) {
            return new double[] {0, 0, 0};
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : reference) {
            counts.merge(t, 1, Integer::sum);
        }
        int common = 0;
        for (String t : candidate) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        return prf(common, candidate.size(), reference.size());
    }

    /** ROUGE-L precision, recall and F1 from the longest common token subsequence. */
    static double[] rougeL(List<String> candidate, List<String> reference) {
        if (candidate.isEmpty() && reference.isEmpty()) {
            return new double[] {1, 1, 1};
        }
        if (candidate.isEmpty() || reference.isEmpty()) {
            return new double[] {0, 0, 0};
        }
        if ((long) candidate.size() * reference.size() > MAX_CELLS) {
            throw new MetricTooLargeException("ROUGE-L over " + candidate.size() + " x " + reference.size() + " tokens exceeds "
                    + MAX_CELLS + " cells");
        }
        int[] prev = new int[reference.size() + 1];
        int[] cur = new int[reference.size() + 1];
        for (String c : candidate) {
            for (int j = 1; j <= reference.size(); j++) {
                cur[j] = c.equals(reference.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prf(prev[reference.size()], candidate.size(), reference.size());
    }

    private static double[] prf(int common, int candidateSize, int referenceSize) {
        if (common == 0) {
            return new double[] {0, 0, 0};
        }
        double p = (double) common / candidateSize;
        double r = (double) common / referenceSize;
        return new double[] {p, r, 2 * p * r / (p + r)};
    }

    /** An input too large for a quadratic metric: the evaluator reports an error, not a score. */
    static final class MetricTooLargeException extends RuntimeException {
        MetricTooLargeException(String message) {
            super(message);
        }
    }
}
