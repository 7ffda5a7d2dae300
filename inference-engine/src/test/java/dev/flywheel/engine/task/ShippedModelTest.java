package dev.flywheel.engine.task;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.engine.chat.ChatTemplate;
import dev.flywheel.engine.model.LlamaModel;
import dev.flywheel.engine.tokenizer.Tokenizer;
import dev.flywheel.engine.training.TrainShippedModel;
import dev.flywheel.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShippedModelTest {
    private static final Path DIR = Path.of("models/arith-tiny");

    @Test
    void shippedModelIsMeasurablyImperfectOnHeldOutProblemsAsItsReadmeStates() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(DIR.resolve("tokenizer.json"));
        List<AdditionProblem> sample = AdditionTask.standard().sample(
                new SplittableRandom(TrainShippedModel.REPORT_SEED), Split.HELD_OUT, TrainShippedModel.REPORT_SIZE);
        double accuracy;
        try (LlamaModel model = LlamaModel.load(DIR, Kernels.scalar())) {
            accuracy = new GreedyEvaluator(model, tokenizer, 6).accuracy(sample, null);
        }
        assertTrue(accuracy >= 0.2 && accuracy <= 0.6, "held-out accuracy " + accuracy + " must be within [0.2, 0.6]");
        String measured = String.format(Locale.ROOT, "**%.3f**", accuracy);
        assertTrue(Files.readString(DIR.resolve("README.md")).contains(measured), "README must report " + measured);
    }

    @Test
    void chatTemplatePromptTokenizesExactlyAsTheTrainingPrompt() {
        Tokenizer tokenizer = Tokenizer.load(DIR.resolve("tokenizer.json"));
        ChatTemplate template = ChatTemplate.load(DIR.resolve("tokenizer_config.json"));
        int[] chat = tokenizer.encode(template.render(List.of(new ChatMessage("user", "12+345=")), true));
        int[] training = tokenizer.encode("12+345=");
        assertEquals(256, chat[0]);
        assertArrayEquals(training, java.util.Arrays.copyOfRange(chat, 1, chat.length));
    }

    @Test
    void shippedFilesStaySmall() throws Exception {
        long total = 0;
        try (var files = Files.list(DIR)) {
            for (Path p : files.toList()) {
                total += Files.size(p);
            }
        }
        assertTrue(total < 5L * 1024 * 1024, "models/arith-tiny is " + total + " bytes");
    }
}
