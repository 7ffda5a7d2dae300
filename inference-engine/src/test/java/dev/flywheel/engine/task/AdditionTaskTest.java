package dev.flywheel.engine.task;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdditionTaskTest {
    private final AdditionTask task = AdditionTask.standard();

    @Test
    void promptAndAnswerFollowTheExample() {
        AdditionProblem p = new AdditionProblem(12, 345);
        assertEquals("12+345=", p.prompt());
        assertEquals("357", p.answer());
    }

    @Test
    void splitIsPinnedByAStableHashOfThePrompt() {
        // Golden vectors: changing the hash or the prompt format would silently move problems between splits.
        assertEquals(0xaf63dc4c8601ec8cL, AdditionTask.fnv1a64("a")); // the published FNV-1a 64 test vector
        assertEquals(Split.HELD_OUT, task.split(new AdditionProblem(12, 345))); // hash % 100 == 6
        List<String> heldOut = new java.util.ArrayList<>();
        for (int a = 0; a < 10; a++) {
            if (task.split(new AdditionProblem(a, 7)) == Split.HELD_OUT) {
                heldOut.add(a + "+7=");
            }
        }
        assertEquals(List.of("2+7="), heldOut); // computed independently (Python) when the split was defined
    }

    @Test
    void seededSamplingIsReproducibleAndRespectsTheSplit() {
        List<AdditionProblem> one = task.sample(new SplittableRandom(5), Split.HELD_OUT, 200);
        assertEquals(one, task.sample(new SplittableRandom(5), Split.HELD_OUT, 200));
        assertTrue(one.stream().allMatch(p -> task.split(p) == Split.HELD_OUT));
        assertTrue(one.stream().allMatch(p -> p.a() < 1000 && p.b() < 1000));
        assertTrue(new HashSet<>(one).size() > 150, "problems should be varied");
        long shortOnes = one.stream().filter(p -> p.a() < 10).count();
        assertTrue(shortOnes > 30 && shortOnes < 110, "digit counts drawn uniformly, got " + shortOnes + " one-digit operands");
        long heldOut = task.sample(new SplittableRandom(6), Split.TRAIN, 1).size();
        assertEquals(1, heldOut);
    }

    @Test
    void heldOutShareIsNearTheConfiguredPercent() {
        int held = 0;
        for (int a = 0; a < 100; a++) {
            for (int b = 0; b < 100; b++) {
                held += task.split(new AdditionProblem(a, b)) == Split.HELD_OUT ? 1 : 0;
            }
        }
        assertTrue(held > 1800 && held < 2200, "held-out " + held + " of 10000");
    }

    @Test
    void answersAreExtractedAndMatchedExactly() {
        AdditionProblem p = new AdditionProblem(12, 345);
        assertEquals("357", Answers.extract(" 357 is it").orElseThrow());
        assertTrue(Answers.isCorrect(p, "357"));
        assertTrue(Answers.isCorrect(p, "\n357\n"));
        assertFalse(Answers.isCorrect(p, "3570"));
        assertFalse(Answers.isCorrect(p, "0357"));
        assertFalse(Answers.isCorrect(p, "35"));
        assertFalse(Answers.isCorrect(p, "x357"));
        assertFalse(Answers.isCorrect(p, ""));
        assertFalse(Answers.isCorrect(p, null));
        assertFalse(Answers.isCorrect(p, "٣٥٧")); // Arabic-Indic digits are not ASCII digits
    }

    @Test
    void invalidParametersAreRejectedNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdditionTask(0, 20)).getMessage().contains("maxDigits"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdditionTask(3, 100)).getMessage().contains("heldOutPercent"));
        assertThrows(IllegalArgumentException.class, () -> new AdditionProblem(-1, 2));
    }
}
