package dev.flywheel.splitter.stats.internal;

import dev.flywheel.splitter.stats.SampleRatioCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * Pearson chi-square goodness of fit of observed units against the intended split, per stage, summed over stages.
 * Arms whose intended share is 0 in a stage are left out of that stage (a unit there is a bug of another kind and
 * would make the statistic infinite); a stage with fewer than two arms of non-zero share adds nothing.
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
        List<SampleRatioCheck.Cell> cells = new ArrayList<>();
        for (StageCounts s : stages) {
            long total = 0;
            int arms = 0;
            double shareSum = 0;
            for (var e : s.intendedShare().entrySet()) {
                if (e.getValue() > 0) {
                    total += s.observed().getOrDefault(e.getKey(), 0L);
                    shareSum += e.getValue();
                    arms++;
                }
            }
            if (arms < 2 || total == 0) {
                continue;
            }
            for (var e : s.intendedShare().entrySet()) {
                if (e.getValue() <= 0) {
                    continue;
                }
                long observed = s.observed().getOrDefault(e.getKey(), 0L);
                double expected = total * e.getValue() / shareSum;
                chi += (observed - expected) * (observed - expected) / expected;
                cells.add(new SampleRatioCheck.Cell(s.stage(), e.getKey(), observed, expected));
            }
            df += arms - 1;
        }
        double p = df == 0 ? 1.0 : 1 - new ChiSquaredDistribution(null, df).cumulativeProbability(chi);
        return new SampleRatioCheck(chi, df, p, threshold, p < threshold, cells);
    }
}
