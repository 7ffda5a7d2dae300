package dev.flywheel.engine.task;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Multi-digit addition. Operands have 1..maxDigits digits (the digit count is drawn uniformly, then
 * the number, so short and long operands are equally common). The train / held-out split is a stable
 * hash of the prompt text (FNV-1a 64 of its UTF-8 bytes, mod 100 < heldOutPercent), so it never
 * depends on the seed, the order of generation or the JVM.
 */
public record AdditionTask(int maxDigits, int heldOutPercent) {
    public AdditionTask {
        if (maxDigits < 1 || maxDigits > 9) {
            throw new IllegalArgumentException("maxDigits must be in [1, 9], got " + maxDigits);
        }
        if (heldOutPercent < 1 || heldOutPercent > 99) {
            throw new IllegalArgumentException("heldOutPercent must be in [1, 99], got " + heldOutPercent);
        }
    }

    /** The task the shipped model was trained on: up to 3-digit operands, 20 % held out. */
    public static AdditionTask standard() { return new AdditionTask(3, 20); }

    public Split split(AdditionProblem p) {
        return Long.remainderUnsigned(fnv1a64(p.prompt()), 100) < heldOutPercent ? Split.HELD_OUT : Split.TRAIN;
    }

    /** Draws problems until one lands in {@code split}. */
    public AdditionProblem sample(RandomGenerator rng, Split split) {
        while (true) {
            AdditionProblem p = new AdditionProblem(operand(rng), operand(rng));
            if (split(p) == split) {
                return p;
            }
        }
    }

    public List<AdditionProblem> sample(RandomGenerator rng, Split split, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        List<AdditionProblem> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(sample(rng, split));
        }
        return out;
    }

    private int operand(RandomGenerator rng) {
        int digits = 1 + rng.nextInt(maxDigits);
        int lo = digits == 1 ? 0 : (int) Math.pow(10, digits - 1);
        int hi = (int) Math.pow(10, digits);
        return lo + rng.nextInt(hi - lo);
    }

    static long fnv1a64(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
