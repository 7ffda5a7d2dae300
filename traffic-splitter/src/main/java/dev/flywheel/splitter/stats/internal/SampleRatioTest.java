package dev.flywheel.splitter.stats.internal;

import dev.flywheel.splitter.stats.SampleRatioCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * Sample-ratio mismatch: observed units per (stage, variant) against the intended split, one test per stage, the
 * stages combined by Bonferroni (p = min(1, stages tested × the smallest stage p)).
 *
 * <p>A stage with two arms gets an exact binomial test (two-sided by doubling the smaller tail), a stage with more a
 * Pearson chi-square. Why exact: at the 1 % stage the treatment's expected count is small (15 of 1,500 users), where
 * the chi-square approximation overstates significance — 21 treated users of 1,000 where 10 were expected has
 * chi-square p = 4.7e-4 but exact p = 3.0e-3 — and a demo run was paused for that kind of count at p = 7e-4.
 *
 * <p>{@link SampleRatioCheck#chiSquare()} and its degrees of freedom stay the Pearson statistic summed over stages,
 * for display. Arms whose intended share is 0 in a stage are left out of that stage (a unit there is a bug of another
 * kind and would make the statistic infinite); a stage with fewer than two arms of non-zero share adds nothing.
 */
public final class SampleRatioTest {
    private final double threshold;

    public SampleRatioTest(double threshold) {
        this.threshold = threshold;
    }

    /** Observed units of one stage: variant → units, and variant → intended share (0..1). */
    public record StageCounts(int stage, Map<String, Long> observed, Map<String, Double> intendedShare) {}

    public SampleRatioCheck test(List<StageCounts> stages) {
        double chi = 0;
        int df = 0;
        int tested = 0;
        double smallestP = 1.0;
        List<SampleRatioCheck.Cell> cells = new ArrayList<>();
        for (StageCounts s : stages) {
            long total = 0;
            double shareSum = 0;
            List<Map.Entry<String, Double>> arms = new ArrayList<>();
            for (var e : s.intendedShare().entrySet()) {
                if (e.getValue() > 0) {
                    total += s.observed().getOrDefault(e.getKey(), 0L);
                    shareSum += e.getValue();
                    arms.add(e);
                }
            }
            if (arms.size() < 2 || total == 0) {
                continue;
            }
            double stageChi = 0;
            for (var e : arms) {
                long observed = s.observed().getOrDefault(e.getKey(), 0L);
                double expected = total * e.getValue() / shareSum;
                stageChi += (observed - expected) * (observed - expected) / expected;
                cells.add(new SampleRatioCheck.Cell(s.stage(), e.getKey(), observed, expected));
            }
            chi += stageChi;
            df += arms.size() - 1;
            tested++;
            double p = arms.size() == 2
                    ? exactTwoArm(total, s.observed().getOrDefault(arms.getFirst().getKey(), 0L), arms.getFirst().getValue() / shareSum)
                    : 1 - new ChiSquaredDistribution(null, arms.size() - 1).cumulativeProbability(stageChi);
            smallestP = Math.min(smallestP, p);
        }
        double p = tested == 0 ? 1.0 : Math.min(1.0, tested * smallestP);
        return new SampleRatioCheck(chi, df, p, threshold, p < threshold, cells);
    }

    /**
     * Two-sided exact binomial p of {@code k} of {@code n} units in an arm of intended share {@code share}, from two
     * CDF evaluations. Not commons-math's {@code BinomialTest}: its two-sided p sums every outcome no likelier than k,
     * one probability at a time, which is O(n) per stage per tick at a million units.
     */
    static double exactTwoArm(long n, long k, double share) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("n: more than 2^31 units in one stage: " + n);
        }
        var binomial = new BinomialDistribution(null, (int) n, share);
        double lower = binomial.cumulativeProbability((int) k);
        double upper = k == 0 ? 1.0 : 1 - binomial.cumulativeProbability((int) k - 1);
        return Math.min(1.0, 2 * Math.min(lower, upper));
    }
}
