package dev.flywheel.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.engine.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chat template of a Hugging Face tokenizer_config.json (a Jinja string, or a list of named
 * templates of which "default" is used), rendered with Jinjava under the same settings as
 * transformers: trim_blocks and lstrip_blocks on; variables messages, add_generation_prompt,
 * bos_token, eos_token; function raise_exception(msg).
 */
public final class ChatTemplate {
    private static final String RAISED = "chat template raised: ";

    private final String template;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    public ChatTemplate(String template, String bosToken, String eosToken) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("template is required");
        }
        this.template = template;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /** Reads chat_template, bos_token and eos_token from tokenizer_config.json. */
    public static ChatTemplate load(Path tokenizerConfigJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(tokenizerConfigJson));
        } catch (IOException e) {
            throw new ModelFormatException(tokenizerConfigJson, "cannot read tokenizer config: " + e.getMessage(), e);
        }
        JsonNode t = root == null ? null : root.get("chat_template");
        String template = null;
        if (t != null && t.isTextual()) {
            template = t.asText();
        } else if (t != null && t.isArray()) {
            for (JsonNode named : t) {
                if (named.path("name").asText().equals("default")) {
                    template = named.path("template").asText();
                }
            }
        }
        if (template == null || template.isBlank()) {
            throw new ModelFormatException(tokenizerConfigJson, "field 'chat_template' is required (a string or a list with a 'default' entry)");
        }
        return new ChatTemplate(template, tokenText(root.get("bos_token")), tokenText(root.get("eos_token")));
    }

    /** bos_token / eos_token are a string or an AddedToken object {"content": ...}. */
    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        return n.isObject() ? n.path("content").asText("") : n.asText();
    }

    /** The prompt text for {@code messages}; with addGenerationPrompt the assistant turn is opened. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", messages.stream()
                .map(m -> Map.of("role", m.role(), "content", m.content()))
                .collect(Collectors.toList()));
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult result = jinjava.renderForResult(template, bindings);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() != TemplateError.ErrorType.WARNING)
                .toList();
        if (!fatal.isEmpty()) {
            for (TemplateError e : fatal) {
                String raised = raisedMessage(e.getException());
                if (raised != null) {
                    throw new ChatTemplateException(raised, true);
                }
            }
            String message = fatal.stream().map(TemplateError::getMessage).collect(Collectors.joining("; "));
            throw new ChatTemplateException("chat template failed: " + message, false);
        }
        return result.getOutput();
    }

    /** The message given to raise_exception, found in the cause chain Jinjava wraps it in, or null. */
    private static String raisedMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.contains(RAISED)) {
                return m.substring(m.indexOf(RAISED) + RAISED.length());
            }
        }
        return null;
    }

    /** Bound as raise_exception(msg) in templates; Jinjava records the exception as a render error. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(RAISED + message);
    }
}
