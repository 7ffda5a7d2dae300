package dev.flywheel.eval.datasets;

import dev.flywheel.contracts.events.ChatMessage;
import java.util.List;
import java.util.Map;

/** One dataset line: the input messages sent to the variant, an optional reference answer, free-form attributes. */
public record DatasetItem(int index, List<ChatMessage> messages, String reference, Map<String, String> attributes) {
    public DatasetItem {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("item " + index + ": messages must be a non-empty list");
        }
        messages = List.copyOf(messages);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
