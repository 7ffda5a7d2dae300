package dev.flywheel.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {

    /** Feeds text growing piece by piece as a generator would, returning what a client would receive. */
    private static String stream(StopSequences stops, List<String> pieces, boolean[] stopped) {
        StringBuilder text = new StringBuilder();
        int emitted = 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pieces.size(); i++) {
            text.append(pieces.get(i));
            StopSequences.Scan scan = stops.scan(text.toString(), emitted, i == pieces.size() - 1);
            out.append(text, emitted, scan.finalEnd());
            emitted = scan.finalEnd();
            if (scan.stopped()) {
                stopped[0] = true;
                break;
            }
        }
        return out.toString();
    }

    @Test
    void aStopSequenceSplitAcrossTokensEndsTheTextBeforeIt() {
        boolean[] stopped = {false};
        String out = stream(new StopSequences(List.of("\n\n")), List.of("12", "+3", "\n", "\nnext"), stopped);
        assertEquals("12+3", out);
        assertTrue(stopped[0]);
    }

    @Test
    void textThatMightBecomeAStopSequenceIsHeldBackThenReleased() {
        StopSequences stops = new StopSequences(List.of("END"));
        StopSequences.Scan held = stops.scan("answer E", 0, false);
        assertEquals("answer ".length(), held.finalEnd());
        StopSequences.Scan released = stops.scan("answer EX", held.finalEnd(), false);
        assertEquals("answer EX".length(), released.finalEnd());
        assertFalse(released.stopped());
    }

    @Test
    void theEarliestOfSeveralStopSequencesWins() {
        StopSequences.Scan scan = new StopSequences(List.of("world", "lo")).scan("hello world", 0, false);
        assertTrue(scan.stopped());
        assertEquals(3, scan.finalEnd());
    }

    @Test
    void incompleteUtf8IsHeldBackUntilTheCharacterCompletes() {
        StopSequences none = new StopSequences(List.of());
        assertEquals(3, none.scan("abc\uFFFD", 0, false).finalEnd());
        assertEquals(5, none.scan("abcé!", 3, false).finalEnd());
        assertEquals(4, none.scan("abc\uFFFD", 3, true).finalEnd(), "a generation that ends mid-character flushes it");
        assertEquals(1, none.scan("a\uD83D", 0, false).finalEnd(), "a lone high surrogate waits for its pair");
    }

    @Test
    void unicodeStopSequencesMatch() {
        boolean[] stopped = {false};
        assertEquals("答案", stream(new StopSequences(List.of("。")), List.of("答", "案。", "更多"), stopped));
        assertTrue(stopped[0]);
    }

    @Test
    void withoutStopsEverythingIsEmittedAtOnce() {
        boolean[] stopped = {false};
        assertEquals("a b c", stream(new StopSequences(List.of()), List.of("a", " b", " c"), stopped));
        assertFalse(stopped[0]);
    }
}
