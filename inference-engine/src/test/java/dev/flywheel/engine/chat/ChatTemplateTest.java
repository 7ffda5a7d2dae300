package dev.flywheel.engine.chat;

import dev.flywheel.contracts.events.ChatMessage;
import dev.flywheel.engine.model.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateTest {
    /** Qwen2's ChatML template, as shipped in its tokenizer_config.json (simplified: no tools). */
    private static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static Path config(Path dir, String json) throws Exception {
        Path p = dir.resolve("tokenizer_config.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void rendersChatMlWithDefaultSystemPromptAndGenerationPrompt(@TempDir Path dir) throws Exception {
        String json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("chat_template", CHATML).put("eos_token", "<|im_end|>").toString();
        ChatTemplate t = ChatTemplate.load(config(dir, json));
        String out = t.render(List.of(new ChatMessage("user", "Grüß dich 👋")), true);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nGrüß dich 👋<|im_end|>\n<|im_start|>assistant\n", out);
        assertEquals("<|im_start|>system\nS<|im_end|>\n", t.render(List.of(new ChatMessage("system", "S")), false));
    }

    @Test
    void llamaStyleTemplateWithBosObjectTrimBlocksAndRaiseException(@TempDir Path dir) throws Exception {
        String template = "{{ bos_token }}{% for message in messages %}"
                + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                + "{{ '[' + message['role'] + '] ' + message['content'] | trim }}{% endfor %}";
        String json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("chat_template", template)
                .set("bos_token", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("content", "<s>")).toString();
        ChatTemplate t = ChatTemplate.load(config(dir, json));
        assertEquals("<s>[user] hi[assistant] yo", t.render(List.of(new ChatMessage("user", " hi "), new ChatMessage("assistant", "yo")), false));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(new ChatMessage("assistant", "x")), false));
        assertTrue(e.raisedByTemplate());
        assertTrue(e.getMessage().contains("roles must alternate"), e.getMessage());
    }

    @Test
    void blockTagsTrimTheirNewlineAndLeadingIndentAsTransformersDoes() {
        ChatTemplate t = new ChatTemplate("{% for message in messages %}\n  {% if true %}\n{{ message['content'] }}\n  {% endif %}\n{% endfor %}", "", "");
        assertEquals("a\nb\n", t.render(List.of(new ChatMessage("user", "a"), new ChatMessage("assistant", "b")), false));
    }

    @Test
    void shippedTemplateRendersBosThenTheUserText() {
        ChatTemplate t = ChatTemplate.load(Path.of("models/arith-tiny/tokenizer_config.json"));
        assertEquals("<|bos|>12+345=", t.render(List.of(new ChatMessage("system", "be precise"), new ChatMessage("user", "12+345=")), true));
    }

    @Test
    void missingOrMalformedTemplatesFailNamingTheField(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(ModelFormatException.class, () -> ChatTemplate.load(config(dir, "{}"))).getMessage().contains("chat_template"));
        ChatTemplate broken = new ChatTemplate("{% for m in messages %}{{ m.content ", "", "");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> broken.render(List.of(new ChatMessage("user", "x")), false));
        assertTrue(!e.raisedByTemplate());
    }
}
