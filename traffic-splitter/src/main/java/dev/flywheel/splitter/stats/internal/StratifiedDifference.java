package dev.flywheel.splitter.stats.internal;

import dev.flywheel.splitter.stats.Estimate;
import dev.flywheel.splitter.stats.Interval;
import dev.flywheel.splitter.stats.RatioSummary;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Treatment − control, compared within each ramp stage and combined across stages.
 *
 * <p>Why: while a ramp runs, the treatment share grows stage by stage, so pooling all exposures would weigh the
 * treatment towards late stages and turn any trend over time into a fake effect. Within stage s the arms share the
 * same time window; d_s = r_T,s − r_C,s (each r a delta-method ratio, {@link RatioSummary#ratioVariance()}) is
 * unbiased, and the combination Σ w_s·d_s / Σ w_s with w_s = n_T,s·n_C,s / (n_T,s + n_C,s) (the Cochran–Mantel–
 * Haenszel weight, inverse-variance optimal when the per-unit variance is equal across stages and robust when a
 * stage's sample variance is 0) has variance Σ w_s²·V_s / (Σ w_s)².
 *
 * <p>Relative lift per stage is r_T/r_C − 1 with delta-method variance V_T/r_C² + r_T²·V_C/r_C⁴, combined with
 * the same weights. Fixed-horizon intervals use Student t with Welch–Satterthwaite degrees of freedom; the
 * always-valid interval is {@link ConfidenceSequence}.
 */
public final class StratifiedDifference {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    /** Control and treatment summaries of one stage. */
    public record Stratum(RatioSummary control, RatioSummary treatment) {}

    /** Result: absolute and relative estimates, the p-value of the absolute one, and what was used. */
    public record Result(Estimate absolute, Estimate relative, double pValue, long units, int stagesUsed) {}

    private final double alpha;
    private final ConfidenceSequence sequence;

    public StratifiedDifference(double alpha, ConfidenceSequence sequence) {
        this.alpha = alpha;
        this.sequence = sequence;
    }

    public Result compare(List<Stratum> strata) {
        double wSum = 0;
        double abs = 0;
        double rel = 0;
        double absVar = 0;
        double relVar = 0;
        double dfNumerator = 0;
        double dfDenominator = 0;
        long units = 0;
        int used = 0;
        boolean relativeKnown = true;
        // First pass for the weight total, second for the weighted sums.
        for (Stratum s : strata) {
            if (usable(s)) {
                wSum += weight(s);
            }
        }
        if (wSum == 0) {
            return new Result(Estimate.UNKNOWN, Estimate.UNKNOWN, Double.NaN, 0, 0);
        }
        for (Stratum s : strata) {
            if (!usable(s)) {
                continue;
            }
            double w = weight(s) / wSum;
            double rc = s.control().ratio();
            double rt = s.treatment().ratio();
            double vc = s.control().ratioVariance();
            double vt = s.treatment().ratioVariance();
            abs += w * (rt - rc);
            absVar += w * w * (vc + vt);
            double cc = w * w * vc;
            double ct = w * w * vt;
            dfNumerator += cc + ct;
            dfDenominator += cc * cc / (s.control().units() - 1) + ct * ct / (s.treatment().units() - 1);
            if (rc != 0) {
                rel += w * (rt / rc - 1);
                relVar += w * w * (vt / (rc * rc) + rt * rt * vc / (rc * rc * rc * rc));
            } else {
                relativeKnown = false;
            }
            units += s.control().units() + s.treatment().units();
            used++;
        }
        double df = dfDenominator > 0 ? dfNumerator * dfNumerator / dfDenominator : Double.POSITIVE_INFINITY;
        double critical = critical(df);
        double se = Math.sqrt(absVar);
        double p = se > 0 ? 2 * tail(Math.abs(abs) / se, df) : (abs == 0 ? 1.0 : 0.0);
        Estimate absolute = estimate(abs, absVar, critical, units);
        Estimate relative = relativeKnown ? estimate(rel, relVar, critical, units) : Estimate.UNKNOWN;
        return new Result(absolute, relative, p, units, used);
    }

    private Estimate estimate(double value, double variance, double critical, long units) {
        double se = Math.sqrt(variance);
        double half = critical * se;
        double seqHalf = sequence.halfWidth(variance, units);
        return new Estimate(value, se, new Interval(value - half, value + half), new Interval(value - seqHalf, value + seqHalf));
    }

    private double critical(double df) {
        double q = 1 - alpha / 2;
        return Double.isInfinite(df) || df > 1e6 ? NORMAL.inverseCumulativeProbability(q)
                : new TDistribution(null, df).inverseCumulativeProbability(q);
    }

    private static double tail(double t, double df) {
        return Double.isInfinite(df) || df > 1e6 ? 1 - NORMAL.cumulativeProbability(t)
                : 1 - new TDistribution(null, df).cumulativeProbability(t);
    }

    private static boolean usable(Stratum s) {
        return s.control().units() >= 2 && s.treatment().units() >= 2
                && s.control().sumY() > 0 && s.treatment().sumY() > 0;
    }

    private static double weight(Stratum s) {
        double nc = s.control().units();
        double nt = s.treatment().units();
        return nc * nt / (nc + nt);
    }
}
