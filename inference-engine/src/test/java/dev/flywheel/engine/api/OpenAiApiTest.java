package dev.flywheel.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API end to end on a tiny random model served on a random port. */
class OpenAiApiTest {
    @TempDir
    static Path dir;

    static final String ADMIN_TOKEN = "admin-token-engine-test-0001";
    static final String CLIENT_TOKEN = "client-token-engine-test-0001";

    private static EmbeddedServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws IOException {
        Path model = TinyModelDir.write(dir.resolve("tiny"), 7);
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "flywheel.engine.model-dir", model.toString(),
                "micronaut.server.port", -1,
                "flywheel.engine.kernels", "scalar",
                "flywheel.engine.kv-blocks", 256,
                "flywheel.engine.block-size", 8,
                "flywheel.engine.max-resident-adapters", 2,
                "flywheel.auth.admin-tokens", List.of(ADMIN_TOKEN),
                "flywheel.auth.client-tokens", List.of(CLIENT_TOKEN)));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** POST with the token the route needs: admin for adapter changes, client for the rest. */
    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return post(path, body, path.contains("lora_adapter") ? ADMIN_TOKEN : CLIENT_TOKEN);
    }

    /** POST with {@code token} as the bearer token (null: no Authorization header). */
    static HttpResponse<String> post(String path, String body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET with a client token. */
    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, CLIENT_TOKEN);
    }

    static HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** The JSON payloads of an SSE body, "[DONE]" included as text. */
    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.startsWith("data: ")) {
                out.add(block.substring("data: ".length()));
            } else if (!block.isBlank()) {
                throw new AssertionError("not an SSE data event: " + block);
            }
        }
        return out;
    }

    @Test
    void aCompletionReturnsTextFinishReasonAndUsage() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"12+34=\",\"max_tokens\":5,\"temperature\":0}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("text_completion", body.get("object").asText());
        assertEquals("tiny", body.get("model").asText());
        assertTrue(body.get("id").asText().startsWith("cmpl-"));
        JsonNode choice = body.get("choices").get(0);
        assertTrue(choice.get("text").isTextual());
        assertTrue(List.of("stop", "length").contains(choice.get("finish_reason").asText()));
        JsonNode usage = body.get("usage");
        assertEquals(7, usage.get("prompt_tokens").asInt(), "BOS + 6 byte tokens");
        int completion = usage.get("completion_tokens").asInt();
        assertTrue(completion >= 1 && completion <= 5);
        assertEquals(7 + completion, usage.get("total_tokens").asInt());
    }

    @Test
    void streamingSendsSseChunksThatAddUpToTheSameGreedyText() throws Exception {
        String request = "{\"model\":\"tiny\",\"prompt\":\"hello\",\"max_tokens\":12,\"temperature\":0%s}";
        JsonNode whole = json(post("/v1/completions", request.formatted("")));
        HttpResponse<String> r = post("/v1/completions", request.formatted(",\"stream\":true"));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = events(r.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        for (String e : events.subList(0, events.size() - 1)) {
            last = JSON.readTree(e);
            assertEquals("text_completion", last.get("object").asText());
            text.append(last.get("choices").get(0).get("text").asText());
        }
        assertEquals(whole.get("choices").get(0).get("text").asText(), text.toString());
        assertEquals(whole.get("usage"), last.get("usage"), "the final chunk carries the usage");
        assertFalse(last.get("choices").get(0).get("finish_reason").isNull());
    }

    /** n choices: indexes 0..n-1, choice 0 is the n = 1 answer for the same seed, and a seeded request replays all. */
    @Test
    void nChoicesAreIndexedReproducibleAndCountedTogether() throws Exception {
        String request = "{\"model\":\"tiny\",\"prompt\":\"2+3=\",\"max_tokens\":5,\"temperature\":2.0,\"seed\":11%s}";
        HttpResponse<String> r = post("/v1/completions", request.formatted(",\"n\":3"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        JsonNode choices = body.get("choices");
        assertEquals(3, choices.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, choices.get(i).get("index").asInt());
        }
        String text0 = choices.get(0).get("text").asText();
        assertTrue(!text0.equals(choices.get(1).get("text").asText()) || !text0.equals(choices.get(2).get("text").asText()),
                "each choice draws from a generator of its own: " + choices);
        JsonNode one = json(post("/v1/completions", request.formatted("")));
        assertEquals(one.get("choices").get(0).get("text"), choices.get(0).get("text"), "choice 0 draws from the request's seed");
        assertEquals(choices, json(post("/v1/completions", request.formatted(",\"n\":3"))).get("choices"), "a seeded request replays");
        int completion = body.get("usage").get("completion_tokens").asInt();
        assertTrue(completion >= 3 && completion <= 15, body.get("usage").toString());
        assertEquals(one.get("usage").get("prompt_tokens"), body.get("usage").get("prompt_tokens"), "the prompt counts once");

        HttpResponse<String> s = post("/v1/completions", request.formatted(",\"n\":2,\"stream\":true"));
        assertEquals(200, s.statusCode(), s.body());
        List<String> events = events(s.body());
        assertEquals("[DONE]", events.getLast());
        assertEquals(1, events.stream().filter("[DONE]"::equals).count());
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int finished = 0;
        int withUsage = 0;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(e);
            JsonNode choice = chunk.get("choices").get(0);
            texts[choice.get("index").asInt()].append(choice.get("text").asText());
            finished += choice.get("finish_reason").isNull() ? 0 : 1;
            withUsage += chunk.has("usage") ? 1 : 0;
        }
        assertEquals(2, finished, "each choice ends with its finish reason");
        assertEquals(1, withUsage, "the usage comes once, with the choice that finishes last");
        assertEquals(choices.get(0).get("text").asText(), texts[0].toString());
        assertEquals(choices.get(1).get("text").asText(), texts[1].toString());
    }

    @Test
    void chatCompletionsUseTheTemplateAndStreamTheAssistantRoleFirst() throws Exception {
        String messages = "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"2+2?\"}]";
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"tiny\"," + messages + ",\"max_tokens\":4,\"seed\":3}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("assistant", body.get("choices").get(0).get("message").get("role").asText());
        // "<|bos|>" + "<|system|>be brief\n" + "<|user|>2+2?\n" + "<|assistant|>": 1 + 19 + 13 + 13 tokens.
        assertEquals(46, body.get("usage").get("prompt_tokens").asInt());

        HttpResponse<String> s = post("/v1/chat/completions", "{\"model\":\"tiny\"," + messages + ",\"max_tokens\":4,\"seed\":3,\"stream\":true}");
        List<String> events = events(s.body());
        JsonNode first = JSON.readTree(events.getFirst());
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(1, events.size() - 1)) {
            JsonNode delta = JSON.readTree(e).get("choices").get(0).get("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").asText());
            }
        }
        assertEquals(body.get("choices").get(0).get("message").get("content").asText(), text.toString(),
                "the same seed gives the same sampled text streamed or not");
    }

    @Test
    void unknownModelsAre404InOpenAiErrorShape() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"gpt-9\",\"prompt\":\"x\"}");
        assertEquals(404, r.statusCode());
        JsonNode error = json(r).get("error");
        assertEquals("model", error.get("param").asText());
        assertEquals("model_not_found", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("gpt-9"));
    }

    @Test
    void invalidParametersAre400NamingTheParameter() throws Exception {
        Map<String, String> cases = Map.of(
                "temperature", "{\"model\":\"tiny\",\"prompt\":\"x\",\"temperature\":\"hot\"}",
                "top_p", "{\"model\":\"tiny\",\"prompt\":\"x\",\"top_p\":1.5}",
                "max_tokens", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":0}",
                "n", "{\"model\":\"tiny\",\"prompt\":\"x\",\"n\":17}",
                "stop", "{\"model\":\"tiny\",\"prompt\":\"x\",\"stop\":[1,2]}",
                "prompt", "{\"model\":\"tiny\",\"prompt\":42}",
                "model", "{\"prompt\":\"x\"}",
                "logprobs", "{\"model\":\"tiny\",\"prompt\":\"x\",\"logprobs\":5}");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = post("/v1/completions", c.getValue());
            assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
            JsonNode error = json(r).get("error");
            assertEquals(c.getKey(), error.get("param").asText(), r.body());
            assertEquals("invalid_request_error", error.get("type").asText());
        }
        HttpResponse<String> chat = post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}");
        assertEquals(400, chat.statusCode());
        assertEquals("messages[0].role", json(chat).get("error").get("param").asText());
        HttpResponse<String> notJson = post("/v1/completions", "{not json");
        assertEquals(400, notJson.statusCode());
        assertTrue(json(notJson).get("error").get("message").asText().contains("not valid JSON"));
    }

    @Test
    void overLongPromptsAre400WithTheContextLength() throws Exception {
        String longPrompt = "x".repeat(200);
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"" + longPrompt + "\"}");
        assertEquals(400, r.statusCode());
        JsonNode error = json(r).get("error");
        assertEquals("prompt", error.get("param").asText());
        assertEquals("context_length_exceeded", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("96"), error.toString());

        HttpResponse<String> tooMany = post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"max_tokens\":500}");
        assertEquals(400, tooMany.statusCode());
        assertEquals("max_tokens", json(tooMany).get("error").get("param").asText());
    }

    @Test
    void adaptersLoadServeUnderTheirOwnNameAndUnload() throws Exception {
        Path peft = TinyModelDir.writeAdapter(dir.resolve("adapter-x"), "x", 5);
        HttpResponse<String> load = post("/v1/load_lora_adapter",
                "{\"lora_name\":\"tiny-x\",\"lora_path\":\"" + peft.toString().replace("\\", "\\\\") + "\"}");
        assertEquals(200, load.statusCode(), load.body());
        assertTrue(load.body().contains("tiny-x"));

        JsonNode models = json(get("/v1/models"));
        List<String> ids = new ArrayList<>();
        models.get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(List.of("tiny", "tiny-x"), ids);
        assertEquals("tiny", models.get("data").get(1).get("parent").asText());

        HttpResponse<String> served = post("/v1/completions", "{\"model\":\"tiny-x\",\"prompt\":\"12+34=\",\"max_tokens\":3,\"temperature\":0}");
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("tiny-x", json(served).get("model").asText());

        HttpResponse<String> duplicate = post("/v1/load_lora_adapter",
                "{\"lora_name\":\"tiny-x\",\"lora_path\":\"" + peft.toString().replace("\\", "\\\\") + "\"}");
        assertEquals(400, duplicate.statusCode());
        assertEquals("lora_name", json(duplicate).get("error").get("param").asText());

        assertEquals(200, post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-x\"}").statusCode());
        assertEquals(404, post("/v1/completions", "{\"model\":\"tiny-x\",\"prompt\":\"1\"}").statusCode());
        assertEquals(404, post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-x\"}").statusCode());
        HttpResponse<String> badPath = post("/v1/load_lora_adapter", "{\"lora_name\":\"y\",\"lora_path\":\"/no/such/dir\"}");
        assertEquals(400, badPath.statusCode());
        assertEquals("lora_path", json(badPath).get("error").get("param").asText());
    }

    @Test
    void metricsAndHealthAreServed() throws Exception {
        post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"metrics\",\"max_tokens\":2}");
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        for (String name : List.of("engine_queue_depth", "engine_batch_size", "engine_tokens_per_second",
                "engine_kv_blocks_used", "engine_prefix_cache_hit_rate", "engine_resident_adapters", "engine_generated_tokens_total")) {
            assertTrue(metrics.body().contains(name), name + " missing from\n" + metrics.body());
        }
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("UP"));
    }

    @Test
    void servingRoutesNeedAClientTokenWhileHealthAndMetricsStayOpen() throws Exception {
        String completion = "{\"model\":\"tiny\",\"prompt\":\"1+1=\",\"max_tokens\":1}";
        for (String token : new String[] {null, "not-a-configured-token-at-all"}) {
            HttpResponse<String> r = post("/v1/completions", completion, token);
            assertEquals(401, r.statusCode(), r.body());
            assertEquals("Authorization", json(r).get("error").get("field").asText());
            assertFalse(r.body().contains("not-a-configured"), "the presented token is never echoed");
            assertEquals(401, post("/v1/chat/completions", "{}", token).statusCode());
            assertEquals(401, get("/v1/models", token).statusCode());
        }
        assertEquals(200, post("/v1/completions", completion, ADMIN_TOKEN).statusCode(), "admin tokens also serve traffic");
        assertEquals(200, get("/v1/models", ADMIN_TOKEN).statusCode());
        assertEquals(200, get("/health", null).statusCode());
        assertEquals(200, get("/metrics", null).statusCode());
    }

    @Test
    void adapterChangesNeedAnAdminTokenAndAClientTokenIs403() throws Exception {
        Path peft = TinyModelDir.writeAdapter(dir.resolve("adapter-forbidden"), "f", 9);
        String load = "{\"lora_name\":\"tiny-forbidden\",\"lora_path\":\"" + peft.toString().replace("\\", "\\\\") + "\"}";
        HttpResponse<String> asClient = post("/v1/load_lora_adapter", load, CLIENT_TOKEN);
        assertEquals(403, asClient.statusCode(), asClient.body());
        assertEquals("forbidden", json(asClient).get("error").get("type").asText());
        assertEquals(401, post("/v1/load_lora_adapter", load, null).statusCode());
        assertFalse(get("/v1/models").body().contains("tiny-forbidden"), "a refused load registers nothing");

        assertEquals(200, post("/v1/load_lora_adapter", load, ADMIN_TOKEN).statusCode());
        assertEquals(403, post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-forbidden\"}", CLIENT_TOKEN).statusCode());
        assertTrue(get("/v1/models").body().contains("tiny-forbidden"), "a refused unload leaves the adapter served");
        assertEquals(200, post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-forbidden\"}", ADMIN_TOKEN).statusCode());
    }
}
