package dev.flywheel.splitter.stats.internal;

/**
 * Asymptotic confidence sequence (always-valid interval) for an average treatment effect, from Waudby-Smith,
 * Arbour, Sinha, Kennedy and Ramdas (2023), "Time-uniform central limit theory and asymptotic confidence
 * sequences", Annals of Statistics, Theorem 2.2 (the normal-mixture boundary), as GrowthBook implements it:
 *
 * <pre>
 *   θ̂_N ± σ̂ · sqrt( 2·(N·ρ² + 1) / (N²·ρ²) · ln( sqrt(N·ρ² + 1) / α ) )
 *   ρ   = sqrt( (−2·ln α + ln(−2·ln α + 1)) / N* )
 * </pre>
 *
 * where N is the number of units (both arms), σ̂² = N·Var(θ̂) the per-unit variance, and N* the tuning sample size
 * at which the sequence is tightest. Unlike a fixed-horizon interval it keeps coverage 1 − α simultaneously over
 * every look, so the ramp controller may test at every tick.
 */
public final class ConfidenceSequence {
    private final double alpha;
    private final double rho;

    public ConfidenceSequence(double alpha, double tuningSampleSize) {
        this.alpha = alpha;
        double l = -2 * Math.log(alpha);
        this.rho = Math.sqrt((l + Math.log(l + 1)) / tuningSampleSize);
    }

    /** Half-width of the sequence for an estimate with variance {@code variance} computed from {@code units} units. */
    public double halfWidth(double variance, long units) {
        if (units < 2 || !(variance >= 0)) {
            return Double.NaN;
        }
        double n = units;
        double sigma = Math.sqrt(variance * n);
        double r2 = rho * rho;
        double coeff = 2 * (n * r2 + 1) / (n * n * r2) * Math.log(Math.sqrt(n * r2 + 1) / alpha);
        return sigma * Math.sqrt(coeff);
    }
}
