package dev.flywheel.contracts.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Score ids must never change: a changed id would make every re-score a duplicate. Pinned by a golden file. */
class ScoreEventIdTest {

    @Test
    void scoreEventIdsMatchTheGoldenVectors() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/score-event-id-golden-v1.tsv")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int checked = 0;
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                assertEquals(f[3], ScoreEvent.eventIdFor(f[0], f[1], Integer.parseInt(f[2])), line);
                checked++;
            }
            assertEquals(5, checked);
        }
    }

    @Test
    void versionAndEvaluatorChangeTheId() {
        assertNotEquals(ScoreEvent.eventIdFor("r", "e", 1), ScoreEvent.eventIdFor("r", "e", 2));
        assertNotEquals(ScoreEvent.eventIdFor("r", "e1", 1), ScoreEvent.eventIdFor("r", "e", 11));
    }
}
