package dev.flywheel.engine.training.grpo;

import dev.flywheel.engine.lora.LoraAdapter;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.model.Projection;
import dev.flywheel.engine.task.AdditionProblem;
import dev.flywheel.engine.task.AdditionTask;
import dev.flywheel.engine.task.Answers;
import dev.flywheel.engine.task.GreedyEvaluator;
import dev.flywheel.engine.task.Split;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Short seeded GRPO runs on the shipped arith-tiny model (scalar kernels, so the run is the same on every machine). */
class GrpoTrainerTest {
    private static final Path MODEL = Path.of("models/arith-tiny");

    private final Tokenizer tokenizer = Tokenizer.load(MODEL.resolve("tokenizer.json"));
    private final List<AdditionProblem> problems = AdditionTask.standard().sample(new SplittableRandom(11), Split.TRAIN, 32);
    private final Map<String, AdditionProblem> byId = new HashMap<>();
    private final List<TrainingPrompt> prompts = new ArrayList<>();

    GrpoTrainerTest() {
        for (AdditionProblem p : problems) {
            byId.put(p.prompt(), p);
            prompts.add(new TrainingPrompt(p.prompt(), p.prompt(), p.answer()));
        }
    }

    private RewardCallback exactMatch(boolean inverted) {
        return (prompt, completions) -> completions.stream()
                .mapToDouble(c -> Answers.isCorrect(byId.get(prompt.id()), c) != inverted ? 1.0 : 0.0).toArray();
    }

    private static GrpoSettings settings(int steps) {
        return new GrpoSettings(8, 16f, EnumSet.allOf(Projection.class), steps, 16, 8, 1.0, 6, 1e-2, 3, 0.2, 0.01, 1.0, 0.0,
                2, 6, 42, false);
    }

    @Test
    void shortSeededRunOnTheShippedModelRaisesTheRewardOnItsPrompts(@TempDir Path out) throws Exception {
        try (LlamaModel model = LlamaModel.load(MODEL, Kernels.scalar())) {
            GreedyEvaluator greedy = new GreedyEvaluator(model, tokenizer, 6);
            double before = greedy.accuracy(problems, null);
            List<Integer> checkpoints = new ArrayList<>();
            List<StepMetrics> steps = new ArrayList<>();
            GrpoResult result = new GrpoTrainer(model, tokenizer, settings(18), out, "arith-tiny").train(prompts, exactMatch(false),
                    new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics m) {
                            steps.add(m);
                        }

                        @Override
                        public void onCheckpoint(int step, Path dir) {
                            checkpoints.add(step);
                        }
                    }, "grpo-test");
            double after = greedy.accuracy(problems, result.adapter());
            assertTrue(after >= before + 0.15, "greedy exact match on the trained prompts went from " + before + " to " + after);
            assertEquals(18, steps.size());
            assertEquals(List.of(6, 12, 18), checkpoints);
            assertTrue(Files.exists(out.resolve("checkpoint-6/adapter_config.json")));
            assertTrue(steps.stream().allMatch(m -> Double.isFinite(m.loss()) && m.gradNorm() >= 0 && m.kl() >= 0));
            LoraAdapter reloaded = LoraAdapter.load(result.peftDir(), model.config(), "again");
            assertEquals(after, greedy.accuracy(problems, reloaded), 0.0, "the saved PEFT directory serves the trained adapter");
        }
    }

    @Test
    void rewardCallbackReturningTheWrongNumberOfRewardsFailsTheRun(@TempDir Path out) {
        try (LlamaModel model = LlamaModel.load(MODEL, Kernels.scalar())) {
            GrpoTrainer trainer = new GrpoTrainer(model, tokenizer, settings(1), out, "arith-tiny");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.train(prompts, (p, c) -> new double[1], TrainingListener.none(), "bad"));
            assertTrue(e.getMessage().contains("group of 8"), e.getMessage());
        }
    }

    @Test
    void settingsNameTheFieldThatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GrpoSettings(8, 16f,
                EnumSet.allOf(Projection.class), 10, 16, 1, 1.0, 6, 1e-3, 0, 0.2, 0, 1, 0, 1, 0, 1, false));
        assertTrue(e.getMessage().startsWith("groupSize"), e.getMessage());
    }

    @Test
    void cosineScheduleWarmsUpThenDecaysToATenthOfThePeak() {
        GrpoSettings s = new GrpoSettings(8, 16f, EnumSet.allOf(Projection.class), 110, 16, 8, 1.0, 6, 1e-3, 10, 0.2, 0, 1, 0, 1, 0, 1, true);
        assertEquals(1e-4, s.learningRateAt(1), 1e-12);
        assertEquals(1e-3, s.learningRateAt(10), 1e-12);
        assertEquals(0.55e-3, s.learningRateAt(60), 1e-12);
        assertEquals(1e-4, s.learningRateAt(110), 1e-12);
        GrpoSettings constant = new GrpoSettings(8, 16f, EnumSet.allOf(Projection.class), 110, 16, 8, 1.0, 6, 1e-3, 10, 0.2, 0, 1, 0, 1, 0, 1, false);
        assertEquals(1e-3, constant.learningRateAt(110), 1e-12);
    }
}
