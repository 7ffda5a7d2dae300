package dev.flywheel.eval.reward;

import dev.flywheel.contracts.events.ChatMessage;
import java.util.List;
import java.util.Map;

/**
 * One sampled completion in an RFT group: the prompt it answers, the completion text, the task's reference answer
 * (null when the reward does not need one), and free-form attributes passed to http reward endpoints.
 */
public record Completion(List<ChatMessage> prompt, String completion, String reference, Map<String, String> attributes) {
    public Completion {
        prompt = prompt == null ? List.of() : List.copyOf(prompt);
        completion = completion == null ? "" : completion;
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public static Completion of(String prompt, String completion, String reference) {
        return new Completion(List.of(new ChatMessage("user", prompt)), completion, reference, Map.of());
    }
}
