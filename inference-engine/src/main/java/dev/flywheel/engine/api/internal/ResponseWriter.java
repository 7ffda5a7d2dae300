package dev.flywheel.engine.api.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.engine.api.ApiException;
import dev.flywheel.engine.batching.GenerationResult;
import java.nio.charset.StandardCharsets;

/**
 * Builds OpenAI response bodies: whole completions, streaming chunks framed as SSE
 * ({@code data: {json}\n\n}, ending {@code data: [DONE]\n\n}) and errors. Usage
 * ({prompt_tokens, completion_tokens, total_tokens}) is in every completion and in the final chunk
 * of every stream. Thread-safe.
 */
public final class ResponseWriter {
    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper mapper;

    public ResponseWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Identity of one response: id ("cmpl-..." / "chatcmpl-..."), created (epoch seconds), model name. */
    public record Envelope(boolean chat, String id, long created, String model) {}

    public String completion(Envelope env, GenerationResult r) {
        ObjectNode root = header(env, false);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (env.chat()) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", r.text());
        } else {
            choice.put("text", r.text());
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", r.finishReason().wireName());
        usage(root, r.promptTokens(), r.completionTokens(), r.cachedPromptTokens());
        return write(root);
    }

    /** The first chat chunk announces the assistant role, as OpenAI streams do. */
    public byte[] roleChunk(Envelope env) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("finish_reason");
        return sse(root);
    }

    public byte[] deltaChunk(Envelope env, String text) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (env.chat()) {
            choice.putObject("delta").put("content", text);
        } else {
            choice.put("text", text);
            choice.putNull("logprobs");
        }
        choice.putNull("finish_reason");
        return sse(root);
    }

    public byte[] finalChunk(Envelope env, GenerationResult r) {
        ObjectNode root = header(env, true);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (env.chat()) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", r.finishReason().wireName());
        usage(root, r.promptTokens(), r.completionTokens(), r.cachedPromptTokens());
        return sse(root);
    }

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
