package dev.flywheel.retrain.dataset;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitterTest {
    private static List<DatasetItem> items(int n) {
        List<DatasetItem> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new DatasetItem("r" + i, "prompt " + (i % (n / 2)) + " ✓", "c", "ref", Map.of(), Double.NaN));
        }
        return out;
    }

    @Test
    void duplicatePromptsAreDroppedAndTrainNeverSharesAPromptWithHoldout() {
        DatasetSnapshot s = Splitter.snapshot(items(400), 1000, 20, 1);
        assertEquals(200, s.train().size() + s.holdout().size());
        Set<String> train = new HashSet<>();
        s.train().forEach(i -> train.add(i.prompt()));
        assertTrue(s.holdout().stream().noneMatch(i -> train.contains(i.prompt())));
        assertTrue(s.holdout().size() > 20 && s.holdout().size() < 60, "about 20 % held out, got " + s.holdout().size());
    }

    @Test
    void snapshotIdAndSplitDoNotDependOnArrivalOrder() {
        List<DatasetItem> a = items(200);
        List<DatasetItem> b = new ArrayList<>(a.subList(0, 100));
        Collections.shuffle(b, new Random(4));
        DatasetSnapshot s1 = Splitter.snapshot(a.subList(0, 100), 1000, 20, 1);
        DatasetSnapshot s2 = Splitter.snapshot(b, 1000, 20, 2);
        assertEquals(s1.id(), s2.id());
        assertEquals(s1.holdout().stream().map(DatasetItem::prompt).toList(), s2.holdout().stream().map(DatasetItem::prompt).toList());
    }

    @Test
    void capLimitsDistinctPrompts() {
        DatasetSnapshot s = Splitter.snapshot(items(400), 50, 20, 1);
        assertEquals(50, s.train().size() + s.holdout().size());
    }
}
