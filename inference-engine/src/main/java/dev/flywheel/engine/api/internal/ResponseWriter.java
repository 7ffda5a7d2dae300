package dev.flywheel.engine.api.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.api.ApiException;
import dev.flywheel.engine.batching.GenerationResult;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds OpenAI response bodies: whole completions, streaming chunks framed as SSE
 * ({@code data: {json}\n\n}, ending {@code data: [DONE]\n\n}) and errors. Usage
 * ({prompt_tokens, completion_tokens, total_tokens}) is in every completion and in the final chunk
 * of every stream (with n &gt; 1, the final chunk of the choice that finishes last). Thread-safe.
 */
public final class ResponseWriter {
    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper mapper;

    public ResponseWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Identity of one response: id ("cmpl-..." / "chatcmpl-..."), created (epoch seconds), model name. */
    public record Envelope(boolean chat, String id, long created, String model) {}

    /**
     * A whole completion with one choice per result, index in order. Usage: the prompt once, the completion tokens
     * of all choices together (as OpenAI counts n &gt; 1).
     */
    public String completion(Envelope env, List<GenerationResult> results) {
        ObjectNode root = header(env, false);
        ArrayNode choices = root.putArray("choices");
        int completionTokens = 0;
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            if (env.chat()) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", r.text());
            } else {
                choice.put("text", r.text());
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", r.finishReason().wireName());
            completionTokens += r.completionTokens();
        }
        GenerationResult first = results.getFirst();
        usage(root, first.promptTokens(), completionTokens, first.cachedPromptTokens());
        return write(root);
    }

    /** The first chat chunk of choice {@code index} announces the assistant role, as OpenAI streams do. */
    public byte[] roleChunk(Envelope env, int index) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("finish_reason");
        return sse(root);
    }

    public byte[] deltaChunk(Envelope env, int index, String text) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        if (env.chat()) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
            choice.putNull("logprobs");
        }
        choice.putNull("finish_reason");
        return sse(root);
    }

    /**
     * The last chunk of choice {@code index}, with its finish reason; {@code usage} (the whole request's, on the
     * chunk of the choice that finishes last) or null.
     */
    public byte[] finalChunk(Envelope env, int index, GenerationResult r, Usage usage) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        if (env.chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", r.finishReason().wireName());
        if (usage != null) {
            usage(root, usage.promptTokens(), usage.completionTokens(), usage.cachedPromptTokens());
        }
        return sse(root);
    }

    /** A request's token counts: the prompt once, the completions of all its choices. */
    public record Usage(int promptTokens, int completionTokens, int cachedPromptTokens) {}

    /** An error inside an already started stream. */
    public byte[] errorChunk(ApiException e) {
        return ("data: " + error(e) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    public String error(ApiException e) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        return write(root);
    }

    private ObjectNode header(Envelope env, boolean chunk) {
        ObjectNode root = mapper.createObjectNode();
        root.put("id", env.id());
        root.put("object", env.chat() ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        root.put("created", env.created());
        root.put("model", env.model());
        return root;
    }

    private static void usage(ObjectNode root, int prompt, int completion, int cached) {
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
    }

    private byte[] sse(ObjectNode root) {
        return ("data: " + write(root) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    public String write(Object node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response tree", e);
        }
    }
}
