package dev.flywheel.engine.training.grpo;

/**
 * One sampled completion: the prompt's token ids (BOS included), the sampled ids (EOS included when sampled),
 * the policy log-prob of each sampled id at sampling time (softmax(z / T)), and the decoded text (without EOS).
 */
public record Rollout(int[] promptTokens, int[] completionTokens, float[] logProbs, String text) {
    public Rollout {
        if (promptTokens.length == 0 || completionTokens.length == 0 || logProbs.length != completionTokens.length) {
            throw new IllegalArgumentException("a rollout needs prompt tokens and one log-prob per completion token");
        }
    }

    /** Input ids of the training forward: prompt + completion without its last token. */
    public int[] input() {
        int[] in = new int[promptTokens.length + completionTokens.length - 1];
        System.arraycopy(promptTokens, 0, in, 0, promptTokens.length);
        System.arraycopy(completionTokens, 0, in, promptTokens.length, completionTokens.length - 1);
        return in;
    }

    /** Next-token targets aligned with {@link #input()}: completion token j sits at promptTokens.length - 1 + j. */
    public int[] targets() {
        int[] in = input();
        int[] t = new int[in.length];
        System.arraycopy(in, 1, t, 0, in.length - 1);
        t[in.length - 1] = completionTokens[completionTokens.length - 1];
        return t;
    }

    public int firstCompletionPosition() {
        return promptTokens.length - 1;
    }
}
