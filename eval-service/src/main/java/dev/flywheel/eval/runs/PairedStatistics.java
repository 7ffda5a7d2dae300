package dev.flywheel.eval.runs;

import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The paired-difference statistics behind {@link Comparison}: a Student-t interval for the mean of the per-item
 * differences (B - A), using commons-math3's t distribution.
 */
public final class PairedStatistics {
    private PairedStatistics() {}

    /** @param a item index → item score in run A; @param b the same for run B */
    public static Comparison compare(String evaluatorId, String runA, String runB, Map<Integer, Double> a, Map<Integer, Double> b,
                                     double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
        TreeSet<Integer> all = new TreeSet<>(a.keySet());
        all.addAll(b.keySet());
        int n = 0, unpaired = 0, wins = 0, ties = 0, losses = 0;
        double sumA = 0, sumB = 0, mean = 0, m2 = 0;
        for (int item : all) {
            Double x = a.get(item), y = b.get(item);
            if (x == null || y == null) {
                unpaired++;
                continue;
            }
            n++;
            sumA += x;
            sumB += y;
            double d = y - x;
            double delta = d - mean; // Welford: numerically stable running mean and variance
            mean += delta / n;
            m2 += delta * (d - mean);
            if (d > 0) wins++;
            else if (d < 0) losses++;
            else ties++;
        }
        Double low = null, high = null, p = null;
        if (n >= 2) {
            double sd = Math.sqrt(m2 / (n - 1));
            if (sd == 0) {
                low = mean;
                high = mean;
                p = mean == 0 ? 1.0 : 0.0;
            } else {
                TDistribution t = new TDistribution(n - 1);
                double se = sd / Math.sqrt(n);
                double q = t.inverseCumulativeProbability(1 - (1 - confidence) / 2);
                low = mean - q * se;
                high = mean + q * se;
                p = 2 * (1 - t.cumulativeProbability(Math.abs(mean / se)));
            }
        }
        return new Comparison(evaluatorId, runA, runB, n, unpaired, n == 0 ? null : sumA / n, n == 0 ? null : sumB / n,
                n == 0 ? null : (Double) mean, low, high, p, confidence, wins, ties, losses);
    }

    /** Mean and a Student-t interval for one sample; {null, null} below 2 values. */
    public static Double[] meanInterval(double mean, double sd, int n, double confidence) {
        if (n < 2) {
            return new Double[] {null, null};
        }
        double q = new TDistribution(n - 1).inverseCumulativeProbability(1 - (1 - confidence) / 2);
        double se = sd / Math.sqrt(n);
        return new Double[] {mean - q * se, mean + q * se};
    }
}
