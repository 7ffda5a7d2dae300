package dev.flywheel.splitter.proxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.splitter.experiments.Variant;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestRewriterTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final RequestRewriter rewriter = new RequestRewriter(mapper);

    private Variant variant(Map<String, Object> overrides) {
        return new Variant("treatment", URI.create("http://127.0.0.1:8000"), "lora-x", overrides, 0.0);
    }

    @Test
    void variantIsAppliedToACopyAndTheClientBodyStaysAsSent() throws Exception {
        String sent = "{\"model\":\"base\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"héllo 中文\"}],\"temperature\":0.9,\"user\":\"u1\"}";
        ObjectNode body = (ObjectNode) mapper.readTree(sent);
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("temperature", 0.2);
        overrides.put("max_tokens", 16);
        overrides.put("system_prompt", "Be exact.");
        ObjectNode out = rewriter.apply(body, variant(overrides), true);

        assertEquals(mapper.readTree(sent), body, "the client's body must not change (the event reads its prompt)");
        assertEquals("lora-x", out.path("model").asText());
        assertEquals(0.2, out.path("temperature").asDouble());
        assertEquals(16, out.path("max_tokens").asInt());
        assertEquals("Be exact.", out.path("messages").path(0).path("content").asText());
        assertEquals(2, out.path("messages").size(), "the existing system message is replaced, not duplicated");
        assertEquals("héllo 中文", out.path("messages").path(1).path("content").asText());
        assertEquals("u1", out.path("user").asText());
    }

    @Test
    void systemPromptIsInsertedFirstWhenTheChatHasNone() throws Exception {
        ObjectNode body = (ObjectNode) mapper.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        ObjectNode out = rewriter.apply(body, variant(Map.of("system_prompt", "Answer with a number.")), true);
        assertEquals("system", out.path("messages").path(0).path("role").asText());
        assertEquals("hi", out.path("messages").path(1).path("content").asText());
        assertEquals(1, body.path("messages").size(), "the client's messages keep their one entry");
    }
}
