package dev.flywheel.retrain.trainer;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.engine.training.grpo.GrpoResult;
import dev.flywheel.engine.training.grpo.GrpoSettings;
import dev.flywheel.engine.training.grpo.GrpoTrainer;
import dev.flywheel.engine.training.grpo.StepMetrics;
import dev.flywheel.engine.training.grpo.TrainingListener;
import dev.flywheel.engine.training.grpo.TrainingPrompt;
import dev.flywheel.eval.reward.Rewards;
import dev.flywheel.retrain.dataset.DatasetItem;
import dev.flywheel.retrain.policy.TrainerSpec;
import dev.flywheel.kernels.Kernels;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * GRPO on the built-in engine: loads the policy's base model (memory-mapped) with the best kernels of this machine,
 * starts from the champion adapter when there is one (else from the base), samples rollouts with the engine's
 * forward pass and scores them with eval-service evaluators ({@link EvaluatorRewards}). Settings come from the
 * policy's {@code trainer.settings} over {@link GrpoSettings#arithmeticDefaults}.
 */
public final class BuiltInGrpoTrainer implements Trainer {
    private final Rewards rewards;
    private final Kernels kernels;

    public BuiltInGrpoTrainer(Rewards rewards, Kernels kernels) {
        this.rewards = rewards;
        this.kernels = kernels;
    }

    /** GrpoSettings from snake_case keys; unknown keys are an error naming the key. */
    public static GrpoSettings settings(TrainerSpec spec) {
        GrpoSettings d = GrpoSettings.arithmeticDefaults((long) spec.setting("seed", 1));
        List<String> known = List.of("rank", "alpha", "steps", "prompts_per_step", "group_size", "temperature", "max_new_tokens",
                "learning_rate", "warmup_steps", "clip_epsilon", "kl_coefficient", "max_grad_norm", "weight_decay",
                "epochs_per_batch", "checkpoint_every", "seed", "cosine_decay");
        for (String k : spec.settings().keySet()) {
            if (!known.contains(k)) {
                throw new dev.flywheel.retrain.policy.InvalidPolicyException("trainer.settings." + k, "unknown setting; expected one of " + known);
            }
        }
        try {
            return new GrpoSettings((int) spec.setting("rank", d.rank()), (float) spec.setting("alpha", d.alpha()), d.targets(),
                    (int) spec.setting("steps", d.steps()), (int) spec.setting("prompts_per_step", d.promptsPerStep()),
                    (int) spec.setting("group_size", d.groupSize()), spec.setting("temperature", d.temperature()),
                    (int) spec.setting("max_new_tokens", d.maxNewTokens()), spec.setting("learning_rate", d.learningRate()),
                    (int) spec.setting("warmup_steps", d.warmupSteps()), spec.setting("clip_epsilon", d.clipEpsilon()),
                    spec.setting("kl_coefficient", d.klCoefficient()), spec.setting("max_grad_norm", d.maxGradNorm()),
                    spec.setting("weight_decay", d.weightDecay()), (int) spec.setting("epochs_per_batch", d.epochsPerBatch()),
                    (int) spec.setting("checkpoint_every", d.checkpointEvery()), d.seed(), spec.setting("cosine_decay", 1) != 0);
        } catch (IllegalArgumentException e) {
            throw new dev.flywheel.retrain.policy.InvalidPolicyException("trainer.settings", e.getMessage());
        }
    }

    @Override
    public TrainedAdapter train(TrainingJob job, TrainingProgress progress) throws InterruptedException {
        GrpoSettings settings = settings(job.policy().trainer());
        List<TrainingPrompt> prompts = job.dataset().train().stream()
                .map(i -> new TrainingPrompt(i.requestId(), i.prompt(), i.reference())).toList();
        Map<String, Double> feedback = new HashMap<>();
        for (DatasetItem i : job.dataset().train()) {
            if (!Double.isNaN(i.feedback())) {
                feedback.put(i.requestId(), i.feedback());
            }
        }
        Path base = job.policy().baseModelDir();
        try (LlamaModel model = LlamaModel.load(base, kernels)) {
            Tokenizer tokenizer = Tokenizer.load(base.resolve("tokenizer.json"));
            LoraAdapter champion = job.policy().championAdapterDir() == null ? null
                    : LoraAdapter.load(job.policy().championAdapterDir(), model.config(), job.policy().championAdapter());
            GrpoTrainer trainer = new GrpoTrainer(model, tokenizer, settings, job.outputDir(), job.policy().baseModel());
            GrpoResult result = trainer.train(prompts, new EvaluatorRewards(rewards, job.policy().reward(), feedback),
                    new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics m) {
                            Map<String, Double> v = new LinkedHashMap<>();
                            v.put("reward_mean", m.rewardMean());
                            v.put("reward_std", m.rewardStd());
                            v.put("loss", m.loss());
                            v.put("kl", m.kl());
                            v.put("grad_norm", m.gradNorm());
                            v.put("clip_fraction", m.clipFraction());
                            v.put("learning_rate", m.learningRate());
                            v.put("rollout_tokens", (double) m.rolloutTokens());
                            v.put("rollout_seconds", m.rolloutNanos() / 1e9);
                            v.put("train_seconds", m.trainNanos() / 1e9);
                            progress.metrics(m.step(), v);
                        }

                        @Override
                        public void onCheckpoint(int step, Path dir) {
                            progress.checkpoint(step, dir);
                        }
                    }, job.adapterName(), champion, 0);
            List<StepMetrics> curve = result.metrics();
            int tail = Math.max(1, curve.size() / 10);
            double first = curve.subList(0, tail).stream().mapToDouble(StepMetrics::rewardMean).average().orElse(Double.NaN);
            double last = curve.subList(curve.size() - tail, curve.size()).stream().mapToDouble(StepMetrics::rewardMean).average().orElse(Double.NaN);
            return new TrainedAdapter(result.peftDir(), Map.of(
                    "trainer", "grpo",
                    "steps", Integer.toString(curve.size()),
                    "reward_first", String.format(Locale.ROOT, "%.4f", first),
                    "reward_last", String.format(Locale.ROOT, "%.4f", last),
                    "train_prompts", Integer.toString(prompts.size())));
        }
    }
}
