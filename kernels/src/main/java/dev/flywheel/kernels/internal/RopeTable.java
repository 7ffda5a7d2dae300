package dev.flywheel.kernels.internal;

/**
 * cos/sin of the rotary angles at one position: angle_i = pos * theta^(-2i / headDim) for
 * i in [0, headDim/2), computed in double and rounded once, so that every implementation rotates by
 * the same float angles (the frequencies match Hugging Face's inv_freq).
 */
record RopeTable(float[] cos, float[] sin) {

    RopeTable(int headDim, int pos, float theta) {
        this(new float[checkedHalf(headDim, pos, theta)], new float[headDim / 2]);
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = pos * Math.pow(theta, -2.0 * i / headDim);
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** headDim / 2, after checking the arguments (also used alone by kernels that compute the angles elsewhere). */
    static int checkedHalf(int headDim, int pos, float theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be positive and even, got " + headDim);
        }
        if (pos < 0) {
            throw new IllegalArgumentException("pos must be >= 0, got " + pos);
        }
        if (!(theta > 0f) || Float.isInfinite(theta)) {
            throw new IllegalArgumentException("theta must be positive and finite, got " + theta);
        }
        return headDim / 2;
    }
}
