package dev.flywheel.engine.training.grpo;

/**
 * Group-relative advantages (GRPO): within one prompt's group, A_i = (r_i - mean) / (std + EPS) with the population
 * standard deviation. A group whose rewards are all equal carries no signal and gets all-zero advantages.
 * Invalid rewards (NaN) are replaced by the mean of the valid ones first; a group with no valid reward is null.
 */
public final class Advantages {
    static final double EPS = 1e-4;

    private Advantages() {}

    /** Advantages for one group, or null when no reward in it is valid. */
    public static double[] normalise(double[] rewards) {
        if (rewards.length == 0) {
            throw new IllegalArgumentException("rewards must hold at least one value");
        }
        double sum = 0;
        int valid = 0;
        for (double r : rewards) {
            if (Double.isFinite(r)) {
                sum += r;
                valid++;
            } else if (!Double.isNaN(r)) {
                throw new IllegalArgumentException("rewards must be finite or NaN (invalid), got " + r);
            }
        }
        if (valid == 0) {
            return null;
        }
        double mean = sum / valid;
        double ss = 0;
        for (double r : rewards) {
            double x = Double.isNaN(r) ? mean : r;
            ss += (x - mean) * (x - mean);
        }
        double std = Math.sqrt(ss / rewards.length);
        double[] out = new double[rewards.length];
        if (std < 1e-12) {
            return out;
        }
        for (int i = 0; i < rewards.length; i++) {
            double x = Double.isNaN(rewards[i]) ? mean : rewards[i];
            out[i] = (x - mean) / (std + EPS);
        }
        return out;
    }
}
