package dev.flywheel.engine.training.grpo;

/**
 * One prompt to sample a group for: its id (dataset item / request id), the user text, and the reference answer
 * handed to the reward (null when the reward needs none).
 */
public record TrainingPrompt(String id, String text, String reference) {
    public TrainingPrompt {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id is required");
        }
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("text of prompt " + id + " must not be empty");
        }
    }
}
