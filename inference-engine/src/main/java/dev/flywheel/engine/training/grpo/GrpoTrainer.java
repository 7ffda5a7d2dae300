package dev.flywheel.engine.training.grpo;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.ModelConfig;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.engine.training.AdamW;
import dev.flywheel.engine.training.Backprop;
import dev.flywheel.engine.training.GradientClipping;
import dev.flywheel.engine.training.LoraParameters;
import dev.flywheel.engine.training.Parameter;
import dev.flywheel.engine.training.grpo.internal.RolloutSampler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * GRPO for a LoRA adapter on a frozen base, using the engine's own numerics for both halves: rollouts are sampled
 * by the serving forward pass (LlamaModel + the live adapter), and the update runs the engine's Backprop over the
 * same weights. Per step: draw {@code promptsPerStep} prompts, sample G completions each, score them through the
 * {@link RewardCallback}, normalise rewards within each group, then {@code epochsPerBatch} passes of the clipped
 * objective (old log-probs from the rollout, optional k3 KL to the base with the adapter off), global-norm
 * clipping and AdamW. Checkpoints are PEFT directories under {@code outputDir}.
 *
 * <p>Not thread-safe: one run per instance. Interrupting the training thread stops it between steps with
 * {@link InterruptedException}; the last checkpoint stays on disk.
 */
public final class GrpoTrainer {
    private final LlamaModel base;
    private final Tokenizer tokenizer;
    private final GrpoSettings settings;
    private final Path outputDir;
    private final String baseModelName;

    public GrpoTrainer(LlamaModel base, Tokenizer tokenizer, GrpoSettings settings, Path outputDir, String baseModelName) {
        this.base = Objects.requireNonNull(base, "base");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.outputDir = Objects.requireNonNull(outputDir, "outputDir");
        this.baseModelName = Objects.requireNonNull(baseModelName, "baseModelName");
    }

    /** Trains a fresh adapter (PEFT init: B = 0, so step 0 is the base model). */
    public GrpoResult train(List<TrainingPrompt> prompts, RewardCallback reward, TrainingListener listener, String adapterName)
            throws InterruptedException {
        return train(prompts, reward, listener, adapterName, null, 0);
    }

    /**
     * Trains starting from {@code initial}'s weights (a champion, or a checkpoint being resumed) at step
     * {@code firstStep}. Optimizer moments start at zero on resume; the sampling stream is re-derived from the seed
     * and the step, so a resumed run is deterministic too (though not identical to an uninterrupted one).
     */
    public GrpoResult train(List<TrainingPrompt> prompts, RewardCallback reward, TrainingListener listener, String adapterName,
                            LoraAdapter initial, int firstStep) throws InterruptedException {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must not be empty");
        }
        if (firstStep < 0 || firstStep > settings.steps()) {
            throw new IllegalArgumentException("firstStep must be in [0, " + settings.steps() + "], got " + firstStep);
        }
        ModelConfig config = base.config();
        LoraParameters lora = LoraParameters.initialize(config, settings.rank(), settings.alpha(), settings.targets(),
                new SplittableRandom(settings.seed()));
        if (initial != null) {
            copyInto(initial, lora);
        }
        LoraAdapter live = lora.toAdapter(adapterName);
        Backprop graph = Backprop.lora(config, base.weights(), lora, base.kernels());
        Backprop reference = settings.klCoefficient() > 0 ? referenceGraph(config) : null;
        List<Parameter> params = lora.all();
        AdamW optimizer = new AdamW(params, new AdamW.Settings(0.9, 0.999, 1e-8, settings.weightDecay()));
        RolloutSampler sampler = new RolloutSampler(base, tokenizer);
        SplittableRandom streams = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + firstStep);
        List<TrainingPrompt> order = new ArrayList<>(prompts);
        java.util.Collections.shuffle(order, streams.split());
        int cursor = 0;
        List<StepMetrics> curve = new ArrayList<>();
        Path lastDir = null;
        for (int step = firstStep + 1; step <= settings.steps(); step++) {
            if (Thread.interrupted()) {
                throw new InterruptedException("GRPO run " + adapterName + " interrupted before step " + step);
            }
            List<TrainingPrompt> batch = new ArrayList<>(settings.promptsPerStep());
            for (int i = 0; i < settings.promptsPerStep(); i++) {
                batch.add(order.get(cursor));
                cursor = (cursor + 1) % order.size();
            }
            StepMetrics m = step(step, batch, reward, sampler, live, graph, reference, params, optimizer, streams);
            curve.add(m);
            listener.onStep(m);
            if (settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0 && step < settings.steps()) {
                lastDir = save(live, "checkpoint-" + step);
                listener.onCheckpoint(step, lastDir);
            }
        }
        lastDir = save(live, "final");
        listener.onCheckpoint(settings.steps(), lastDir);
        return new GrpoResult(LoraAdapter.load(lastDir, config, adapterName), lastDir, curve);
    }

    private record Item(Rollout rollout, double advantage, float[] refLogProbs) {}

    private StepMetrics step(int step, List<TrainingPrompt> batch, RewardCallback reward, RolloutSampler sampler, LoraAdapter live,
                             Backprop graph, Backprop reference, List<Parameter> params, AdamW optimizer, SplittableRandom streams)
            throws InterruptedException {
        int g = settings.groupSize();
        long t0 = System.nanoTime();
        List<int[]> inputs = new ArrayList<>(batch.size() * g);
        RandomGenerator[] rngs = new RandomGenerator[batch.size() * g];
        for (TrainingPrompt p : batch) {
            int[] ids = sampler.promptTokens(p.text());
            for (int i = 0; i < g; i++) {
                rngs[inputs.size()] = streams.split();
                inputs.add(ids);
            }
        }
        List<Rollout> rollouts = sampler.sample(inputs, live, settings.temperature(), settings.maxNewTokens(), rngs);
        long rolloutNanos = System.nanoTime() - t0;
        long tokens = rollouts.stream().mapToLong(r -> r.completionTokens().length).sum();

        long t1 = System.nanoTime();
        List<Item> items = new ArrayList<>();
        double rewardSum = 0, rewardSq = 0;
        int rewardCount = 0, used = 0, skipped = 0;
        for (int k = 0; k < batch.size(); k++) {
            List<Rollout> group = rollouts.subList(k * g, (k + 1) * g);
            double[] rewards = reward.rewards(batch.get(k), group.stream().map(Rollout::text).toList());
            if (rewards == null || rewards.length != g) {
                throw new IllegalStateException("reward callback returned " + (rewards == null ? "null" : rewards.length + " values")
                        + " for a group of " + g + " (prompt " + batch.get(k).id() + ")");
            }
            for (double r : rewards) {
                if (Double.isFinite(r)) {
                    rewardSum += r;
                    rewardSq += r * r;
                    rewardCount++;
                }
            }
            double[] adv = Advantages.normalise(rewards);
            boolean signal = adv != null && java.util.Arrays.stream(adv).anyMatch(a -> a != 0);
            if (adv == null || (!signal && reference == null)) {
                skipped++;
                continue;
            }
            used++;
            for (int i = 0; i < g; i++) {
                Rollout r = group.get(i);
                items.add(new Item(r, adv[i], reference == null ? null : referenceLogProbs(reference, r)));
            }
        }
        double weight = 1.0 / rollouts.size();
        double loss = 0, klSum = 0, gradNorm = 0;
        int clipped = 0, klTokens = 0;
        double lr = settings.learningRateAt(step);
        for (int epoch = 0; epoch < settings.epochsPerBatch() && !items.isEmpty(); epoch++) {
            params.forEach(Parameter::zeroGrad);
            loss = 0;
            klSum = 0;
            clipped = 0;
            klTokens = 0;
            for (Item item : items) {
                Rollout r = item.rollout();
                Backprop.Tape tape = graph.forward(r.input());
                float[] d = new float[tape.logits().length];
                GrpoLoss.Contribution c = GrpoLoss.lossAndGradient(tape.logits(), base.config().vocabSize(), r.targets(),
                        r.firstCompletionPosition(), r.logProbs(), item.refLogProbs(), item.advantage(), settings.temperature(),
                        settings.clipEpsilon(), settings.klCoefficient(), weight, d);
                graph.backward(tape, d);
                loss += c.loss();
                klSum += c.klSum();
                clipped += c.clippedTokens();
                klTokens += c.tokens();
            }
            gradNorm = GradientClipping.clipGlobalNorm(params, settings.maxGradNorm());
            optimizer.step(lr);
        }
        double mean = rewardCount == 0 ? Double.NaN : rewardSum / rewardCount;
        double std = rewardCount == 0 ? Double.NaN : Math.sqrt(Math.max(0, rewardSq / rewardCount - mean * mean));
        return new StepMetrics(step, mean, std, loss, klTokens == 0 ? 0 : klSum / klTokens, gradNorm,
                klTokens == 0 ? 0 : (double) clipped / klTokens, used, skipped, tokens, rolloutNanos, System.nanoTime() - t1, lr);
    }

    /** log-probs of the completion under the base model (the reference graph's LoRA has B = 0, so it adds nothing). */
    private float[] referenceLogProbs(Backprop reference, Rollout r) {
        Backprop.Tape tape = reference.forward(r.input());
        int vocab = base.config().vocabSize();
        int[] targets = r.targets();
        int first = r.firstCompletionPosition();
        float[] out = new float[r.completionTokens().length];
        for (int j = 0; j < out.length; j++) {
            out[j] = (float) GrpoLoss.logProb(tape.logits(), (first + j) * vocab, vocab, targets[first + j], settings.temperature());
        }
        return out;
    }

    private Backprop referenceGraph(ModelConfig config) {
        LoraParameters off = LoraParameters.initialize(config, 1, 1f, Set.of(Projection.Q), new SplittableRandom(0));
        return Backprop.lora(config, base.weights(), off, base.kernels());
    }

    private Path save(LoraAdapter live, String dirName) {
        Path dir = outputDir.resolve(dirName);
        live.save(dir, baseModelName);
        return dir;
    }

    private void copyInto(LoraAdapter initial, LoraParameters lora) {
        if (initial.rank() != settings.rank() || !initial.targets().equals(settings.targets())) {
            throw new IllegalArgumentException("initial adapter " + initial.name() + " has rank " + initial.rank() + " and targets "
                    + initial.targets() + "; the settings ask for rank " + settings.rank() + " and " + settings.targets());
        }
        for (int l = 0; l < base.config().nLayers(); l++) {
            for (Projection p : settings.targets()) {
                Parameter[] pair = lora.pair(l, p);
                var w = initial.weights(l, p);
                for (int i = 0; i < pair[0].size(); i++) {
                    pair[0].value()[i] = w.a().element(i);
                }
                for (int i = 0; i < pair[1].size(); i++) {
                    pair[1].value()[i] = w.b().element(i);
                }
            }
        }
    }
}
