package dev.flywheel.ingest.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.contracts.events.EventCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written prompt/attributes JSON must be byte-for-byte what the contract's ObjectMapper writes. */
class JsonTextTest {
    private final EventCodec codec = new EventCodec();

    /** Random text mixing plain ASCII, every control character, quotes, backslashes, non-ASCII and emoji. */
    private static String text(SplittableRandom r) {
        String[] pieces = {"a", "Z", " ", "\"", "\\", "/", "é", "日本", "😀", "\u2028", "\u007f", "'", "\t", "\n", "\r", "\b", "\f"};
        int n = r.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (r.nextInt(4) == 0) {
                sb.append((char) r.nextInt(0x20)); // any control character
            } else {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
        }
        return sb.toString();
    }

    @Test
    void promptJsonMatchesTheContractMapperOnSeededRandomMessages() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            List<ChatMessage> prompt = new ArrayList<>();
            int n = r.nextInt(4);
            for (int m = 0; m < n; m++) {
                prompt.add(new ChatMessage("role" + text(r) + "x", text(r)));
            }
            String expected = prompt.isEmpty() ? "[]" : codec.mapper().writeValueAsString(prompt);
            assertEquals(expected, JsonText.prompt(prompt), "prompt " + i);
        }
    }

    @Test
    void attributesJsonMatchesTheContractMapperOnSeededRandomMaps() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 3000; i++) {
            Map<String, String> raw = new HashMap<>();
            int n = r.nextInt(5);
            for (int k = 0; k < n; k++) {
                raw.put("k" + k + text(r), text(r));
            }
            Map<String, String> attributes = Map.copyOf(raw); // what the contract records hold
            String expected = attributes.isEmpty() ? "{}" : codec.mapper().writeValueAsString(attributes);
            assertEquals(expected, JsonText.attributes(attributes), "attributes " + i);
        }
    }
}
