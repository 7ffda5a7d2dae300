package dev.flywheel.contracts.events;

/** One message of a chat prompt, as in the OpenAI API. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new InvalidEventException("role", "is required (system, user, assistant or tool)");
        }
        content = Checks.text("content", content);
    }
}
