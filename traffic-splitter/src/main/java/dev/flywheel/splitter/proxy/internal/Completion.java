package dev.flywheel.splitter.proxy.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What an OpenAI response says about the completion: text, finish reason, token usage. Read from a whole JSON body
 * or from the SSE stream ({@code data: {...}} lines, deltas concatenated, usage from the chunk that carries it).
 * Unreadable responses give an empty completion rather than failing the request.
 */
public record Completion(String text, String finishReason, long promptTokens, long completionTokens) {
    public static final Completion EMPTY = new Completion("", "", 0, 0);
    private static final int MAX_TEXT = 500_000;

    public static Completion fromJson(ObjectMapper mapper, byte[] body) {
        try {
            JsonNode root = mapper.readTree(body);
            if (root == null || !root.isObject()) {
                return EMPTY;
            }
            JsonNode choice = root.path("choices").path(0);
            String text = choice.has("message") ? choice.path("message").path("content").asText("") : choice.path("text").asText("");
            return new Completion(clip(text), choice.path("finish_reason").asText(""),
                    root.path("usage").path("prompt_tokens").asLong(0), root.path("usage").path("completion_tokens").asLong(0));
        } catch (IOException e) {
            return EMPTY;
        }
    }

    public static Completion fromSse(ObjectMapper mapper, byte[] stream) {
        StringBuilder text = new StringBuilder();
        String finish = "";
        long pt = 0;
        long ct = 0;
        for (String line : new String(stream, StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring(5).strip();
            if (data.isEmpty() || data.equals("[DONE]")) {
                continue;
            }
            try {
                JsonNode chunk = mapper.readTree(data);
                JsonNode choice = chunk.path("choices").path(0);
                String piece = choice.has("delta") ? choice.path("delta").path("content").asText("") : choice.path("text").asText("");
                if (text.length() < MAX_TEXT) {
                    text.append(piece);
                }
                if (choice.hasNonNull("finish_reason")) {
                    finish = choice.path("finish_reason").asText("");
                }
                if (chunk.path("usage").isObject()) {
                    pt = chunk.path("usage").path("prompt_tokens").asLong(pt);
                    ct = chunk.path("usage").path("completion_tokens").asLong(ct);
                }
            } catch (IOException e) {
                // a partial or foreign line: the client still got it verbatim; the event just lacks it
            }
        }
        return new Completion(clip(text.toString()), finish, pt, ct);
    }

    private static String clip(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
